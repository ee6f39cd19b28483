/** Secrets come from a file, stdin or a prompt: never from a flag value (it would sit in shell history and `ps`). */
import {readFileSync} from 'node:fs'

import {usageError} from '../errors.js'
import {isInteractive} from './terminal.js'

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** The first line of stdin or of a file, without its line ending. */
const firstLine = (text: string) => text.split(/\r?\n/)[0] ?? ''

export async function readSecret(options: {file?: string; stdin?: boolean; prompt: string; confirm?: boolean; flagHint: string}): Promise<string> {
  if (options.file) {
    try {
      return firstLine(readFileSync(options.file, 'utf8'))
    } catch (error) {
      throw usageError(`cannot read ${options.file}: ${(error as Error).message}`)
    }
  }
  if (options.stdin) return firstLine(await readStdin())
  if (!isInteractive()) throw usageError('a password is needed and this is not an interactive terminal', `Pass ${options.flagHint}.`)
  const {password} = await import('@inquirer/prompts')
  const value = await password({message: options.prompt, mask: '*'})
  if (options.confirm) {
    const again = await password({message: 'Repeat it:', mask: '*'})
    if (again !== value) throw usageError('the two entries differ')
  }
  return value
}
