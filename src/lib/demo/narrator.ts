/**
 * The demo's running commentary: each scenario step as it finishes, then that the scenario is over.
 * The dashboard shows the latest line while it runs (the terminal's own output is hidden behind it).
 */
import type {Demo} from './index.js'
import {STEPS, type StepResult} from './scenario.js'
import {stepLine} from './summary.js'

export class Narrator {
  private line: string | undefined
  private readonly listeners = new Set<(line: string) => void>()

  current(): string | undefined {
    return this.line
  }

  subscribe(listener: (line: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  say(line: string): void {
    this.line = line
    for (const listener of this.listeners) listener(line)
  }

  started(): void {
    this.say(`demo: playing a scenario of ${STEPS.length} steps through the real API…`)
  }

  step(result: StepResult, index: number): void {
    this.say(`demo ${index}/${STEPS.length} ${stepLine(result)}`)
  }

  over(results: StepResult[], aborted: boolean): void {
    const failed = results.filter((r) => r.outcome !== 'done').length
    const how = aborted ? `stopped after ${results.length} of ${STEPS.length} steps` : `over: ${results.length - failed} of ${STEPS.length} steps done`
    this.say(`demo scenario ${how}${failed ? ` (${failed} skipped or failed)` : ''}. Look around; q quits and cleans up.`)
  }
}

/** Plays the demo's scenario, narrating it from the first step to its end. */
export async function playNarrated(demo: Pick<Demo, 'play'>, narration: Narrator, options: {paceMs: number; signal?: AbortSignal}): Promise<StepResult[]> {
  narration.started()
  let played = 0
  const steps = await demo.play({...options, onStep: (step) => narration.step(step, ++played)})
  narration.over(steps, options.signal?.aborted ?? false)
  return steps
}
