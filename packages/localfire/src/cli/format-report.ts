import type { InspectReport } from './inspect.js';

const iso = (ms: number): string => new Date(ms).toISOString();

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The report as plain text, one section per part, for a terminal. */
export function formatReport(file: string, report: InspectReport): string {
  const out: string[] = [];
  out.push(`localfire database: ${file}`);
  out.push(`schema version: ${report.schemaVersion ?? 'none (not a localfire database?)'}`);
  for (const [key, value] of Object.entries(report.meta)) out.push(`${key}: ${value}`);

  out.push('', 'Tables');
  out.push(...table(['table', 'rows', 'synced', 'pending', 'failed', 'conflict', 'tombstones'], report.tables.map((t) => [
    t.name,
    String(t.rows),
    ...(t.byStatus === undefined ? ['', '', '', ''] : ['synced', 'pending', 'failed', 'conflict'].map((s) => String(t.byStatus?.[s] ?? 0))),
    t.tombstones === undefined ? '' : String(t.tombstones),
  ])));

  const { outbox } = report;
  out.push('', `Outbox: ${outbox.pending} pending, ${outbox.failed} failed`);
  if (outbox.entries.length > 0) {
    out.push(...table(['seq', 'state', 'op', 'path', 'fields', 'attempts', 'created', 'last error'], outbox.entries.map((e) => [
      String(e.seq), e.state, e.op, e.path, e.fields.join(','), String(e.attempts), iso(e.createdAt), e.lastError ?? '',
    ])));
  }

  out.push('', `Checkpoints: ${report.checkpoints.length}`);
  if (report.checkpoints.length > 0) out.push(...table(['scope', 'checkpoint'], report.checkpoints.map((c) => [c.scope, c.value])));

  out.push('', `Quarantine: ${report.quarantine.length}`);
  if (report.quarantine.length > 0) {
    out.push(...table(['path', 'reason', 'at'], report.quarantine.map((q) => [q.path, q.reason, iso(q.at)])));
  }
  return `${out.join('\n')}\n`;
}
