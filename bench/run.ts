/**
 * `npm run bench`: runs every benchmark module (each exports run() → figures) BENCH_REPEAT times
 * (default 3: the issue-16 goals are medians of at least three runs), prints the figures and writes
 * them to bench/results/latest.json, then prints the goals table (lib/goals.ts): each goal with its
 * same-run limit, the ratio, and whether it is met. `npm run bench -- audit` runs only the named ones.
 */
import {mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {basename} from 'node:path'
import {fileURLToPath} from 'node:url'

import {goalRows, goalTable} from './lib/goals.js'

const dir = fileURLToPath(new URL('.', import.meta.url))
const only = process.argv.slice(2)
const repeat = Number(process.env.BENCH_REPEAT ?? 3)
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => basename(f, '.ts'))
  .filter((name) => only.length === 0 || only.includes(name))

const results: Record<string, unknown> = {date: new Date().toISOString(), node: process.version}
const runs: Record<string, Record<string, unknown>[]> = {}
for (const name of modules) {
  const mod = (await import(`./${name}.ts`)) as {run(): Promise<Record<string, unknown>>}
  for (let i = 1; i <= repeat; i++) {
    process.stderr.write(`bench ${name} (${i}/${repeat})…\n`)
    const figures = {...(await mod.run()), benchLoadAverage1m: Math.round(loadavg()[0]! * 100) / 100}
    ;(runs[name] ??= []).push(figures)
    process.stderr.write(JSON.stringify(figures) + '\n')
  }
  results[name] = repeat === 1 ? runs[name]![0] : {runs: runs[name]}
}
const goals = goalRows(runs)
results.goals = goals
mkdirSync(new URL('results/', import.meta.url), {recursive: true})
writeFileSync(new URL('results/latest.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')
console.log(JSON.stringify(results, null, 2))
console.log(`\nIssue 16 goals (medians of ${repeat} run(s) each; limits measured in the same run):\n${goalTable(goals)}`)
