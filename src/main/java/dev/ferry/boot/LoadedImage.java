package dev.ferry.boot;

/** Where an image landed in guest memory: [start, end) and its entry point. */
public record LoadedImage(long start, long end, long entry) {}
