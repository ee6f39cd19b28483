/** Rendering the dashboard with ink-testing-library: waiting on frames and typing keys safely. */
import {setTimeout as sleep} from 'node:timers/promises'

export interface Frames {
  frames: string[]
}

/** The last frame with something in it (React 19 can commit empty frames in between). */
export const lastFrame = (instance: Frames): string => instance.frames.filter((f) => f.trim() !== '').at(-1) ?? ''

export async function waitForFrame(instance: Frames, predicate: (frame: string) => boolean, what: string, timeoutMs = 8000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const frame = lastFrame(instance)
    if (predicate(frame)) return frame
    await sleep(20)
  }
  throw new Error(`timed out waiting for ${what}; last frame:\n${lastFrame(instance)}`)
}

/** Types keys one at a time, with a pause so each is handled (and useInput is subscribed) before the next. */
export async function press(stdin: {write(data: string): void}, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    await sleep(30)
    stdin.write(key)
  }
  await sleep(30)
}

export const KEY = {enter: '\r', escape: '\u001B', tab: '\t', down: '\u001B[B', up: '\u001B[A'}
