/*
 * The offset between the device's clock and the server's, learnt from write
 * acknowledgements: the server committed a write somewhere between sending it and hearing
 * the ack, so `local ≈ server + offset` with an error of at most half that round trip. The
 * sample with the shortest round trip among the recent ones wins (as NTP does), so a device
 * whose clock is minutes off still measures pull latency right.
 */

export interface ServerClock {
  /** One acknowledged write: local ms when sent and when acked, and the server's commit time (ms). */
  learn(sentAt: number, ackedAt: number, serverMs: number): void;
  /** Local ms of a server time (ms), or null before the first acknowledgement. */
  toLocal(serverMs: number): number | null;
}

const SAMPLES = 16;

export function createServerClock(): ServerClock {
  const samples: { readonly roundTrip: number; readonly offset: number }[] = [];
  let best: { readonly roundTrip: number; readonly offset: number } | null = null;
  return {
    learn(sentAt, ackedAt, serverMs) {
      const roundTrip = Math.max(0, ackedAt - sentAt);
      samples.push({ roundTrip, offset: (sentAt + ackedAt) / 2 - serverMs });
      if (samples.length > SAMPLES) samples.shift();
      best = samples.reduce((a, b) => (b.roundTrip < a.roundTrip ? b : a));
    },
    toLocal: (serverMs) => (best === null ? null : serverMs + best.offset),
  };
}
