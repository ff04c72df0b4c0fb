# Sourced by ./ferry and ./run-tests: finds a JDK 25 (or newer) and exports JAVA_HOME.
# The machine's default java may be older (17 on Debian bookworm), so look beyond PATH.
ferry_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'; }
ferry_find_jdk25() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/*25* /usr/lib/jvm/* \
           "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    local v; v=$(ferry_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then export JAVA_HOME="$c"; return 0; fi
  done
  echo "ferry: no JDK 25 found (looked at \$JAVA_HOME, /usr/lib/jvm/* and the java on PATH)." >&2
  echo "ferry: install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
