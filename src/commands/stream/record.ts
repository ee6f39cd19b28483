import {Args, Flags} from '@oclif/core'

import type {RecordResult} from '../../lib/media/stream-record.js'
import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'

export default class StreamRecord extends RtccCommand<typeof StreamRecord> {
  static override summary = 'Record a camera\'s live video to an MP4 file (if the owner\'s policy allows).'
  static override description = 'Opens the stream like `rtcc stream open`, copies --duration of it into an MP4 (no re-encode), and releases the stream. The file appears only when complete.'
  static override examples = [
    '<%= config.bin %> stream record cam_01jd8x3k2m4n5p6q7r8s9t0v1w --duration 30s -o clip.mp4',
    '<%= config.bin %> stream record cam_01jd8x3k2m4n5p6q7r8s9t0v1w --duration 2m -o lot.mp4 --force --json',
  ]
  static override args = {camera: Args.string({description: 'Camera id (cam_…).', required: true})}
  static override flags = {
    duration: Flags.string({description: 'How much to record (1s to 1h).', default: '30s'}),
    output: Flags.string({char: 'o', description: 'MP4 file to write.', required: true}),
    force: Flags.boolean({description: 'Overwrite the output file.'}),
  }

  async run(): Promise<RecordResult> {
    const seconds = parseDuration(this.flags.duration, '--duration') / 1000
    if (seconds < 1 || seconds > 3600) throw usageError(`--duration ${this.flags.duration}: between 1s and 1h`)
    const {recordStream} = await import('../../lib/media/stream-record.js')
    this.note(`recording ${seconds} s…`)
    const result = await recordStream(await this.api(), this.args.camera, {seconds, output: this.flags.output, overwrite: this.flags.force})
    this.out(`wrote ${result.output} (${result.bytes} bytes, ${result.seconds} s of ${result.cameraName})`)
    return result
  }
}
