import NIOCore

/// Misbehaving servers for tests, the demo and benchmarks: every fault on loopback, ephemeral ports.
public enum TriageChaos {}
