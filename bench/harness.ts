/*
 * The benchmark harness every `npm run bench` module uses: timed samples with warm-up,
 * subject and baseline alternated in the same run (so drift, GC and CPU frequency hit both
 * alike), nearest-rank percentiles, the table, and the merge into bench/results.json
 * (rows not run this time are kept).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** One row of bench/results.json. Baseline fields only where a baseline exists. */
export interface BenchRow {
  readonly name: string;
  /** `ms` for latencies; other units (e.g. `docs`) where a row counts something. */
  readonly unit: string;
  readonly p50: number;
  readonly p99: number;
  /** What the subject is compared with (a short description). */
  readonly baseline?: string;
  readonly baselineP50?: number;
  readonly baselineP99?: number;
  /** p50 / baselineP50. */
  readonly ratioP50?: number;
  /** Peak resident set size of the bench process when the row finished, in MB (where a row asks for it). */
  readonly peakRssMb?: number;
  /** The largest sample, where a row's target bounds it. */
  readonly max?: number;
  /** Items that never arrived, summed over the row's rounds (where a row counts losses). */
  readonly missed?: number;
  /** Free text: sample count, workload details, what is measured exactly. */
  readonly note?: string;
}

export interface BenchResults {
  readonly rows: readonly BenchRow[];
}

/**
 * A timed operation. Returning a number reports that duration (ms) instead of the
 * operation's wall time: for operations that time a part of themselves (e.g. from a commit
 * to a notification).
 */
export type Timed = () => Promise<number | void> | number | void;

export interface MeasureOptions {
  /** Untimed runs first (JIT, caches). */
  readonly warmup: number;
  readonly iterations: number;
  /**
   * When given, receives each timed sample's process CPU time (ms, user + system, all
   * threads). Wall-time percentiles on a busy machine include time the process was not
   * running; CPU time shows what the work itself costs. Pairs push subject then baseline
   * into `cpu` and `baselineCpu`.
   */
  readonly cpu?: number[];
  readonly baselineCpu?: number[];
}

async function sample(fn: Timed, cpu?: number[]): Promise<number> {
  const cpuStart = cpu ? process.cpuUsage() : undefined;
  const start = performance.now();
  const reported = await fn();
  const wall = performance.now() - start;
  if (cpu && cpuStart) {
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return typeof reported === 'number' ? reported : wall;
}

/** `cpu p50 … p99 … ms` for a note, or '' without samples. */
export function cpuNote(cpu: readonly number[] | undefined, label = 'cpu'): string {
  if (!cpu || cpu.length === 0) return '';
  return `${label} p50 ${percentile(cpu, 50).toFixed(3)} ms, p99 ${percentile(cpu, 99).toFixed(3)} ms`;
}

/** Runs `fn` `warmup` times untimed, then `iterations` times timed. Samples in ms. */
export async function measure(fn: Timed, options: MeasureOptions): Promise<number[]> {
  for (let i = 0; i < options.warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < options.iterations; i++) samples.push(await sample(fn, options.cpu));
  return samples;
}

/**
 * Measures a subject and its baseline ALTERNATELY in one run: each iteration runs both,
 * swapping which goes first every other time, so neither profits from order.
 */
export async function measurePair(subject: Timed, baseline: Timed, options: MeasureOptions): Promise<{ subject: number[]; baseline: number[] }> {
  for (let i = 0; i < options.warmup; i++) {
    await subject();
    await baseline();
  }
  const s: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < options.iterations; i++) {
    if (i % 2 === 0) {
      s.push(await sample(subject, options.cpu));
      b.push(await sample(baseline, options.baselineCpu));
    } else {
      b.push(await sample(baseline, options.baselineCpu));
      s.push(await sample(subject, options.cpu));
    }
  }
  return { subject: s, baseline: b };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
/**
 * `promise`, or a rejection naming `what` after `ms`: a delivery the emulator never makes
 * fails the run with a message instead of hanging it (a bare SDK listener has no watchdog).
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: ${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((x, y) => x - y);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** Builds a row from samples (and baseline samples when there is a baseline). */
export function toRow(input: {
  readonly name: string;
  readonly unit?: string;
  readonly samples: readonly number[];
  readonly baseline?: { readonly name: string; readonly samples: readonly number[] };
  readonly peakRssMb?: number;
  readonly note?: string;
}): BenchRow {
  const p50 = percentile(input.samples, 50);
  const row: BenchRow = { name: input.name, unit: input.unit ?? 'ms', p50: round(p50), p99: round(percentile(input.samples, 99)) };
  const withBaseline: BenchRow = input.baseline
    ? (() => {
        const bp50 = percentile(input.baseline.samples, 50);
        return {
          ...row,
          baseline: input.baseline.name,
          baselineP50: round(bp50),
          baselineP99: round(percentile(input.baseline.samples, 99)),
          ratioP50: round(p50 / bp50, 2),
        };
      })()
    : row;
  return {
    ...withBaseline,
    ...(input.peakRssMb === undefined ? {} : { peakRssMb: input.peakRssMb }),
    ...(input.note === undefined ? {} : { note: input.note }),
  };
}

/** Peak RSS of this process so far, in MB (the kernel's high-water mark). */
export function peakRssMb(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

/** A group of rows (one module per group: local-store, remote-roundtrip, e2e-sync, browser...). */
export interface BenchModule {
  readonly name: string;
  /** The row names this module can produce (for filtering before any setup runs). */
  readonly rows: readonly string[];
  /** Runs the selected rows (`selected(name)`) and returns them. Cleans up everything it started. */
  run(context: BenchContext): Promise<BenchRow[]>;
}

export interface BenchContext {
  readonly selected: (rowName: string) => boolean;
  readonly log: (message: string) => void;
}

/** True when the row matches any filter (substring of the name), or when there are no filters. */
export function rowFilter(filters: readonly string[]): (rowName: string) => boolean {
  return (rowName) => filters.length === 0 || filters.some((f) => rowName.includes(f));
}

/** Rows of an existing results file (none when absent or unreadable). */
export function readResults(path: string): BenchRow[] {
  if (!existsSync(path)) return [];
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<BenchResults>;
    const rows: unknown = parsed.rows;
    return Array.isArray(rows) ? (rows as BenchRow[]).filter((r) => typeof r.name === 'string') : [];
  } catch {
    return [];
  }
}

/** Replaces rows by name, keeps rows not run this time (in their place), appends new ones. */
export function mergeRows(existing: readonly BenchRow[], fresh: readonly BenchRow[]): BenchRow[] {
  const byName = new Map(fresh.map((r) => [r.name, r]));
  const merged = existing.map((r) => byName.get(r.name) ?? r);
  const known = new Set(existing.map((r) => r.name));
  for (const r of fresh) if (!known.has(r.name)) merged.push(r);
  return merged;
}

/** Merges `fresh` into the results file, written atomically. */
export function writeResults(path: string, fresh: readonly BenchRow[]): BenchRow[] {
  const rows = mergeRows(readResults(path), fresh);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ rows }, null, 2)}\n`);
  renameSync(tmp, path);
  return rows;
}

/** The rows as an aligned text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['name', 'unit', 'p50', 'p99', 'baseline p50', 'baseline p99', 'ratio p50', 'peak RSS MB', 'baseline'];
  const cell = (v: number | string | undefined) => (v === undefined ? '' : String(v));
  const body = rows.map((r) => [r.name, r.unit, cell(r.p50), cell(r.p99), cell(r.baselineP50), cell(r.baselineP99), cell(r.ratioP50), cell(r.peakRssMb), cell(r.baseline)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
