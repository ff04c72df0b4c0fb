package dev.ferry.hw;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import dev.ferry.migration.vmstate.ByteArrayVMStateReader;
import dev.ferry.migration.vmstate.ByteArrayVMStateWriter;
import dev.ferry.migration.vmstate.VMStateException;
import org.junit.jupiter.api.Test;

class GoldfishRtcTest {
    static final long T0 = 1_700_000_000_123_456_789L;
    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final AtomicLong host = new AtomicLong(T0);
    final AtomicBoolean irq = new AtomicBoolean();
    final GoldfishRtc rtc = new GoldfishRtc(irq::set, timers, host::get, 0);

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    long readTime() {
        long lo = rtc.read(GoldfishRtc.TIME_LOW, 4);
        long hi = rtc.read(GoldfishRtc.TIME_HIGH, 4);
        return hi << 32 | lo;
    }

    @Test
    void startsAtTheHostTimeOnAWholeSecond() {
        assertEquals(1_700_000_000_000_000_000L, readTime());
        host.addAndGet(5_000);
        assertEquals(1_700_000_000_000_005_000L, readTime());
    }

    @Test
    void realHostClockIsNear() {
        GoldfishRtc real = new GoldfishRtc(IrqLine.NONE);
        long lo = real.read(0, 4), hi = real.read(4, 4);
        long t = hi << 32 | lo;
        assertTrue(Math.abs(t - System.currentTimeMillis() * 1_000_000L) < 5_000_000_000L);
    }

    @Test
    void readingLowLatchesHigh() {
        host.set(0x1_ffff_fff0L + 0L - (0L)); // arrange for the low half to wrap between reads
        GoldfishRtc r = new GoldfishRtc(IrqLine.NONE, timers, host::get, 0);
        host.set(0x2_ffff_fff0L);
        long lo = r.read(GoldfishRtc.TIME_LOW, 4);
        long t = r.now();
        host.addAndGet(0x20); // high half of the live clock moves on
        long hi = r.read(GoldfishRtc.TIME_HIGH, 4);
        assertEquals(t >>> 32, hi, "TIME_HIGH returns the half latched by TIME_LOW");
        assertEquals(t & 0xffff_ffffL, lo);
    }

    @Test
    void writingTimeMovesTheOffset() {
        long target = 0x1234_5678_9abc_def0L;
        rtc.write(GoldfishRtc.TIME_HIGH, 4, target >>> 32);
        rtc.write(GoldfishRtc.TIME_LOW, 4, target & 0xffff_ffffL);
        assertEquals(target, readTime());
        host.addAndGet(1000);
        assertEquals(target + 1000, readTime(), "and keeps running from there");
    }

    @Test
    void alarmInThePastFiresAtOnce() {
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        assertEquals(1, rtc.read(GoldfishRtc.IRQ_ENABLED, 4));
        long t = readTime() - 1;
        rtc.write(GoldfishRtc.ALARM_HIGH, 4, t >>> 32);
        rtc.write(GoldfishRtc.ALARM_LOW, 4, t & 0xffff_ffffL);
        assertTrue(irq.get());
        assertEquals(0, rtc.read(GoldfishRtc.ALARM_STATUS, 4));
        assertEquals(t & 0xffff_ffffL, rtc.read(GoldfishRtc.ALARM_LOW, 4));
        assertEquals(t >>> 32, rtc.read(GoldfishRtc.ALARM_HIGH, 4));
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 0);
        assertFalse(irq.get(), "masked while disabled");
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        assertTrue(irq.get(), "still pending");
        rtc.write(GoldfishRtc.CLEAR_INTERRUPT, 4, 1);
        assertFalse(irq.get());
    }

    @Test
    void alarmInTheFutureFiresOnTime() throws Exception {
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        long t = readTime() + 30_000_000L; // 30 ms
        rtc.write(GoldfishRtc.ALARM_HIGH, 4, t >>> 32);
        rtc.write(GoldfishRtc.ALARM_LOW, 4, t & 0xffff_ffffL);
        assertEquals(1, rtc.read(GoldfishRtc.ALARM_STATUS, 4));
        Thread.sleep(60);
        assertFalse(irq.get(), "guest time has not reached the alarm");
        host.addAndGet(30_000_000L);
        long end = System.nanoTime() + 2_000_000_000L;
        while (!irq.get() && System.nanoTime() < end) Thread.sleep(1);
        assertTrue(irq.get());
        assertEquals(0, rtc.read(GoldfishRtc.ALARM_STATUS, 4));
    }

    @Test
    void clearAlarmCancels() throws Exception {
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        long t = readTime() + 10_000_000L;
        rtc.write(GoldfishRtc.ALARM_HIGH, 4, t >>> 32);
        rtc.write(GoldfishRtc.ALARM_LOW, 4, t & 0xffff_ffffL);
        rtc.write(GoldfishRtc.CLEAR_ALARM, 4, 1);
        assertEquals(0, rtc.read(GoldfishRtc.ALARM_STATUS, 4));
        host.addAndGet(20_000_000L);
        Thread.sleep(40);
        assertFalse(irq.get());
    }

    @Test
    void oddAccessesIgnored() {
        assertEquals(0, rtc.read(0x20, 4));
        assertEquals(0, rtc.read(0, 8));
        rtc.write(0, 2, 5);
        rtc.write(0x800, 4, 5);
        assertEquals(1_700_000_000_000_000_000L, readTime());
    }

    static byte[] save(GoldfishRtc r) throws VMStateException {
        ByteArrayVMStateWriter w = new ByteArrayVMStateWriter();
        r.saveState(w);
        return w.toByteArray();
    }

    @Test
    void stateRoundTrip() throws Exception {
        long target = 0x0100_0000_0000_0000L;
        rtc.write(GoldfishRtc.TIME_HIGH, 4, target >>> 32);
        rtc.write(GoldfishRtc.TIME_LOW, 4, 0);
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        long alarm = target + 50_000_000L;
        rtc.write(GoldfishRtc.ALARM_HIGH, 4, alarm >>> 32);
        rtc.write(GoldfishRtc.ALARM_LOW, 4, alarm & 0xffff_ffffL);
        rtc.read(GoldfishRtc.TIME_LOW, 4); // latch TIME_HIGH
        byte[] body = save(rtc);
        rtc.write(GoldfishRtc.CLEAR_ALARM, 4, 0);

        host.addAndGet(3_600_000_000_000L); // an hour passes before the restore
        AtomicBoolean irq2 = new AtomicBoolean();
        GoldfishRtc fresh = new GoldfishRtc(irq2::set, timers, host::get, 0);
        fresh.loadState(new ByteArrayVMStateReader(body), 2);
        assertEquals(target >>> 32, fresh.read(GoldfishRtc.TIME_HIGH, 4), "latched half restored");
        assertEquals(target, fresh.now(), "guest time continues from the saved moment, as in QEMU");
        assertEquals(1, fresh.read(GoldfishRtc.ALARM_STATUS, 4));
        assertEquals(1, fresh.read(GoldfishRtc.IRQ_ENABLED, 4));
        assertEquals(alarm & 0xffff_ffffL, fresh.read(GoldfishRtc.ALARM_LOW, 4));
        assertFalse(irq2.get());
        host.addAndGet(50_000_000L);
        long end = System.nanoTime() + 5_000_000_000L;
        while (!irq2.get() && System.nanoTime() < end) Thread.sleep(1);
        assertTrue(irq2.get(), "the re-armed alarm fires");
    }

    @Test
    void pendingInterruptSurvives() throws Exception {
        rtc.write(GoldfishRtc.IRQ_ENABLED, 4, 1);
        rtc.write(GoldfishRtc.ALARM_LOW, 4, 0); // in the past: pending at once
        assertTrue(irq.get());
        byte[] body = save(rtc);
        AtomicBoolean irq2 = new AtomicBoolean();
        GoldfishRtc fresh = new GoldfishRtc(irq2::set, timers, host::get, 0);
        fresh.loadState(new ByteArrayVMStateReader(body), 2);
        assertTrue(irq2.get());
        fresh.write(GoldfishRtc.CLEAR_INTERRUPT, 4, 1);
        assertFalse(irq2.get());
        // a version-1 stream has no time_high
        byte[] v1 = java.util.Arrays.copyOf(body, body.length - 4);
        GoldfishRtc old = new GoldfishRtc(b -> { }, timers, host::get, 0);
        old.loadState(new ByteArrayVMStateReader(v1), 1);
        assertTrue(old.irqLevel());
    }
}
