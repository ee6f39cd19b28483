import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import {dim} from '../../lib/output/terminal.js'

export default class EventsTail extends RtccCommand<typeof EventsTail> {
  static override summary = 'Print server events as they arrive (panic alerts, requests, streams, Cores).'
  static override description = 'Reconnects on its own and resumes where it left off. With --json, one JSON object per line (JSON Lines).'
  static override examples = [
    '<%= config.bin %> events tail',
    '<%= config.bin %> events tail --types panic.*,request.fulfilled --json',
    '<%= config.bin %> events tail --since-id 120 --limit 10 --json',
  ]
  static override flags = {
    types: Flags.string({description: 'Comma-separated event types; `panic.*` matches a family.'}),
    'since-id': Flags.integer({description: 'Replay events after this id first.', min: 0}),
    limit: Flags.integer({description: 'Stop after this many events.', min: 1}),
  }

  async run(): Promise<void> {
    const {followEvents} = await import('../../lib/client/events.js')
    const api = await this.api()
    const controller = new AbortController()
    process.once('SIGINT', () => controller.abort())
    let count = 0
    for await (const event of followEvents(api, {
      types: this.flags.types?.split(','),
      lastEventId: this.flags['since-id'],
      signal: controller.signal,
      onState: (state, detail) => state !== 'connected' && this.note(dim(`events: ${state}${detail ? ` (${detail})` : ''}`, process.stderr)),
    })) {
      if (this.jsonEnabled()) process.stdout.write(JSON.stringify(event) + '\n')
      else process.stdout.write(`${new Date(event.time).toLocaleTimeString()}  ${event.severity.padEnd(8)} ${event.type.padEnd(24)} ${JSON.stringify(event.data)}\n`)
      if (this.flags.limit && ++count >= this.flags.limit) break
    }
  }
}
