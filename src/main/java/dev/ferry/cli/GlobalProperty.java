package dev.ferry.cli;

/** {@code -global driver.property=value}: a default for every device of that driver. */
public record GlobalProperty(String driver, String property, String value) {}
