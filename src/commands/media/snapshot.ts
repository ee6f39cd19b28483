import {Args, Flags} from '@oclif/core'

import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {RtccError} from '../../lib/errors.js'

export default class MediaSnapshot extends RtccCommand<typeof MediaSnapshot> {
  static override summary = 'Save one frame of a camera stream, snapshot URI or video file as a JPEG.'
  static override examples = [
    '<%= config.bin %> media snapshot rtsp://admin:rtcc-sim@127.0.0.11:8554/stream1 -o frame.jpg',
    '<%= config.bin %> media snapshot http://admin:rtcc-sim@127.0.0.11:8080/snapshot.jpg -o door.jpg --json',
  ]
  static override args = {input: Args.string({description: 'rtsp://, http:// URL or a file path.', required: true})}
  static override flags = {
    output: Flags.string({char: 'o', description: 'JPEG file to write.', required: true}),
    force: Flags.boolean({description: 'Overwrite the output file.'}),
    timeout: Flags.string({description: 'Give up after this long.', default: '10s'}),
  }

  async run(): Promise<{source: string; output: string; bytes: number}> {
    const {snapshot} = await import('../../lib/media/snapshot.js')
    const {redactUrl} = await import('../../lib/media/redact.js')
    const {writeFile} = await import('node:fs/promises')
    const jpeg = await snapshot(this.args.input, {timeoutMs: parseDuration(this.flags.timeout, '--timeout')})
    try {
      await writeFile(this.flags.output, jpeg, {flag: this.flags.force ? 'w' : 'wx'})
    } catch (error) {
      const exists = (error as NodeJS.ErrnoException).code === 'EEXIST'
      throw new RtccError(exists ? 'output already exists' : `cannot write: ${(error as Error).message}`, {code: exists ? 'exists' : 'write_failed', where: this.flags.output, hint: exists ? 'Choose another -o path or pass --force.' : undefined})
    }
    this.out(`wrote ${this.flags.output} (${jpeg.length} bytes)`)
    return {source: redactUrl(this.args.input), output: this.flags.output, bytes: jpeg.length}
  }
}
