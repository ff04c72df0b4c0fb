package dev.ferry;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.*;
class SmokeTest { @Test void ok() { assertEquals(2, 1 + 1); } }
