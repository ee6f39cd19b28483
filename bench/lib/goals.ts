/**
 * Issue 16's table: each performance goal as a ratio to a limit measured in the same run, from the
 * figures the bench modules return. With several runs of a module (BENCH_REPEAT), each column is the
 * median over the runs (the ratio is the median of the per-run ratios). A row whose module did not run
 * (or has no PostgreSQL figures) is left out.
 */
type Figures = Record<string, unknown>

interface Goal {
  figure: string
  module: string
  /** The measured figure of one run (undefined: not measured in that run). */
  measured: (f: Figures) => number | undefined
  /** The same-run limit it is compared with. */
  limit: (f: Figures) => number | undefined
  /** measured / limit must be at least this (higher is better) or at most this (lower is better). */
  goal: {atLeast: number} | {atMost: number}
  unit: string
}

const at = (f: Figures, path: string): number | undefined => {
  const value = path.split('.').reduce<unknown>((node, key) => (node as Figures | undefined)?.[key], f)
  return typeof value === 'number' ? value : undefined
}
const fixed = (value: number) => () => value
/** verify's ceiling: the SHA-256 calls it makes per record (a leaf and, amortised, one node), timed bare. */
const twoHashCeiling = (f: Figures) => (at(f, 'rawSha256PerSecond') ?? NaN) / 2

const GOALS: Goal[] = [
  {figure: 'registry import (SQLite) / sqlite3 .import', module: 'registry-import', measured: (f) => at(f, 'importRowsPerSecond'), limit: (f) => at(f, 'sqlite3ImportRowsPerSecond'), goal: {atLeast: 0.3}, unit: 'rows/s'},
  {figure: 're-import unchanged (SQLite) / sqlite3 .import', module: 'registry-import', measured: (f) => at(f, 'reimportUnchangedRowsPerSecond'), limit: (f) => at(f, 'sqlite3ImportRowsPerSecond'), goal: {atLeast: 0.5}, unit: 'rows/s'},
  {figure: 'registry import server peak RSS', module: 'registry-import', measured: (f) => at(f, 'serverPeakRssMb'), limit: fixed(300), goal: {atMost: 1}, unit: 'MB'},
  {figure: 'registry import (PostgreSQL) / psql \\copy', module: 'registry-import', measured: (f) => at(f, 'postgres.importRowsPerSecond'), limit: (f) => at(f, 'postgres.copyRowsPerSecond'), goal: {atLeast: 0.3}, unit: 'rows/s'},
  {figure: 're-import unchanged (PostgreSQL) / psql \\copy', module: 'registry-import', measured: (f) => at(f, 'postgres.reimportUnchangedRowsPerSecond'), limit: (f) => at(f, 'postgres.copyRowsPerSecond'), goal: {atLeast: 0.5}, unit: 'rows/s'},
  {figure: 'audit verify (SQLite) / 2 SHA-256 per record', module: 'audit', measured: (f) => at(f, 'verifyPerSecond'), limit: twoHashCeiling, goal: {atLeast: 0.8}, unit: 'records/s'},
  {figure: 'audit verify (SQLite) ≥ 1 M/s (when the ceiling is above it)', module: 'audit', measured: (f) => at(f, 'verifyPerSecond'), limit: (f) => (twoHashCeiling(f) >= 1e6 ? 1e6 : undefined), goal: {atLeast: 1}, unit: 'records/s'},
  {figure: 'audit verify (PostgreSQL) / 2 SHA-256 per record', module: 'audit', measured: (f) => at(f, 'postgres.verifyPerSecond'), limit: twoHashCeiling, goal: {atLeast: 0.8}, unit: 'records/s'},
  {figure: 'audit append (SQLite) / bare insert transactions', module: 'audit', measured: (f) => at(f, 'appendPerSecond'), limit: (f) => at(f, 'bareInsertPerSecond'), goal: {atLeast: 0.5}, unit: 'records/s'},
  {figure: 'audit append (PostgreSQL) / bare insert transactions', module: 'audit', measured: (f) => at(f, 'postgres.appendPerSecond'), limit: (f) => at(f, 'postgres.bareInsertPerSecond'), goal: {atLeast: 0.5}, unit: 'records/s'},
  ...(['300m', '2000m'] as const).flatMap((radius): Goal[] => {
    const queryGoal = radius === '300m' ? 0.5 : 3
    return [
      {figure: `near ${radius} query with rows p99 (SQLite), limit = goal`, module: 'registry-near', measured: (f) => at(f, `serverSide.${radius}.query.wallMs.p99`), limit: fixed(queryGoal), goal: {atMost: 1}, unit: 'ms'},
      {figure: `near ${radius} query p99 (PostgreSQL)`, module: 'registry-near', measured: (f) => at(f, `postgres.serverSide.${radius}.query.wallMs.p99`), limit: fixed(queryGoal), goal: {atMost: 1}, unit: 'ms'},
      {figure: `near ${radius} API p99 (SQLite)`, module: 'registry-near', measured: (f) => at(f, `apiLatencyMs.${radius}.p99`), limit: fixed(5), goal: {atMost: 1}, unit: 'ms'},
      {figure: `near ${radius} API p99 (PostgreSQL)`, module: 'registry-near', measured: (f) => at(f, `postgres.apiLatencyMs.${radius}.p99`), limit: fixed(5), goal: {atMost: 1}, unit: 'ms'},
    ]
  }),
  {figure: 'near first query after start (SQLite)', module: 'registry-near', measured: (f) => at(f, 'apiLatencyMs.firstQueryMs'), limit: fixed(300), goal: {atMost: 1}, unit: 'ms'},
  {figure: 'near first query after start (PostgreSQL)', module: 'registry-near', measured: (f) => at(f, 'postgres.apiLatencyMs.firstQueryMs'), limit: fixed(300), goal: {atMost: 1}, unit: 'ms'},
  {figure: 'dashboard first frame / Ink + React import', module: 'dashboard', measured: (f) => at(f, 'firstFrameMs'), limit: (f) => at(f, 'inkReactLoadMs'), goal: {atMost: 1.3}, unit: 'ms'},
  {figure: 'dashboard first frame ≤ 0.6 s', module: 'dashboard', measured: (f) => at(f, 'firstFrameMs'), limit: fixed(600), goal: {atMost: 1}, unit: 'ms'},
  {figure: '`rtcc whoami --json` / (3× node -e 0 + server)', module: 'cli-startup', measured: (f) => at(f, 'whoami.endToEndMs'), limit: (f) => at(f, 'whoami.limitMs'), goal: {atMost: 1}, unit: 'ms'},
  {figure: '`rtcc registry near --json` / (3× node -e 0 + server)', module: 'cli-startup', measured: (f) => at(f, 'registryNear.endToEndMs'), limit: (f) => at(f, 'registryNear.limitMs'), goal: {atMost: 1}, unit: 'ms'},
]

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export interface GoalRow {
  figure: string
  unit: string
  measured: number
  limit: number
  ratio: number
  goal: string
  met: boolean
  runs: number
  /** 1-minute load average after each run. */
  loadAverage: number[]
}

/** The goal rows for the modules' runs (each module: one figures object per run). */
export function goalRows(runs: Record<string, Figures[]>): GoalRow[] {
  const rows: GoalRow[] = []
  for (const goal of GOALS) {
    const measuredRuns = (runs[goal.module] ?? []).filter((f) => goal.measured(f) !== undefined && goal.limit(f) !== undefined)
    if (measuredRuns.length === 0) continue
    const ratio = median(measuredRuns.map((f) => goal.measured(f)! / goal.limit(f)!))
    const bound = 'atLeast' in goal.goal ? goal.goal.atLeast : goal.goal.atMost
    rows.push({
      figure: goal.figure,
      unit: goal.unit,
      measured: median(measuredRuns.map((f) => goal.measured(f)!)),
      limit: median(measuredRuns.map((f) => goal.limit(f)!)),
      ratio: Math.round(ratio * 1000) / 1000,
      goal: `${'atLeast' in goal.goal ? '≥' : '≤'} ${bound}`,
      met: 'atLeast' in goal.goal ? ratio >= bound : ratio <= bound,
      runs: measuredRuns.length,
      loadAverage: measuredRuns.map((f) => at(f, 'benchLoadAverage1m') ?? NaN),
    })
  }
  return rows
}

const number = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100))

/** The rows as a plain-text table. */
export function goalTable(rows: GoalRow[]): string {
  const header = ['figure', 'measured', 'same-run limit', 'ratio', 'goal', 'met', 'runs', 'load (1 min)']
  const lines = rows.map((r) => [r.figure, `${number(r.measured)} ${r.unit}`, `${number(r.limit)} ${r.unit}`, String(r.ratio), r.goal, r.met ? 'yes' : 'NO', String(r.runs), r.loadAverage.map((l) => l.toFixed(1)).join(' ')])
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)))
  return [header, widths.map((w) => '-'.repeat(w)), ...lines].map((l) => l.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n')
}
