/** What the hub needs of an open stream: a way to end it. */
export interface ClosableStream {
  close(code: number, reason: string): void;
}

/**
 * The streams this process holds, per device: how many a device has open (bounded per device),
 * whether it has one at all (then no wake-up push is needed), and a way to end them when the
 * device is revoked.
 */
export class DeviceStreams {
  readonly #byDevice = new Map<string, Set<ClosableStream>>();

  /** Registers a stream; false (and nothing registered) when the device already has `max` open. */
  add(deviceId: string, stream: ClosableStream, max: number): boolean {
    let set = this.#byDevice.get(deviceId);
    if (!set) this.#byDevice.set(deviceId, (set = new Set()));
    if (set.size >= max) return false;
    set.add(stream);
    return true;
  }

  /** Unregisters a stream; returns how many the device still has open here. */
  remove(deviceId: string, stream: ClosableStream): number {
    const set = this.#byDevice.get(deviceId);
    if (!set) return 0;
    set.delete(stream);
    if (set.size === 0) this.#byDevice.delete(deviceId);
    return set.size;
  }

  isOpen(deviceId: string): boolean {
    return this.#byDevice.has(deviceId);
  }

  /** Ends every stream of a device (RFC 6455 §7.4.1: 1008, policy violation). */
  closeDevice(deviceId: string, reason: string): void {
    for (const stream of [...(this.#byDevice.get(deviceId) ?? [])]) stream.close(1008, reason);
  }

  /** Ends every stream (shutdown: 1001, going away). */
  closeAll(): void {
    for (const set of [...this.#byDevice.values()])
      for (const s of [...set]) s.close(1001, 'server shutting down');
  }
}
