/** Decided once: whether we talk to a human on a terminal, and whether colour is wanted. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI
}

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.TERM === 'dumb') return false
  if (process.env.FORCE_COLOR) return true
  return Boolean(stream.isTTY)
}

const paint = (code: number) => (text: string, stream?: NodeJS.WriteStream) =>
  colorEnabled(stream) ? `\u001B[${code}m${text}\u001B[39m` : text

export const red = paint(31)
export const green = paint(32)
export const yellow = paint(33)
export const dim = (text: string, stream?: NodeJS.WriteStream) =>
  colorEnabled(stream) ? `\u001B[2m${text}\u001B[22m` : text

/** A command's --json document on stdout: indented for a person at a terminal, one line for a pipe. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, process.stdout.isTTY ? 2 : undefined) + '\n')
}
