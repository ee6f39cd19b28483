import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class SearchClip extends RtccCommand<typeof SearchClip> {
  static override summary = 'Cut the stretch of source video around a sighting (stream copy).'
  static override description = 'Stream copy keeps the original bits, so the cut lands on keyframes. With --json: {sighting, source, output, fromSeconds, toSeconds, bytes}.'
  static override examples = ['<%= config.bin %> search clip sig_01jz8k3v2c9q7d4hx0f5b6a2mn -o red-car.mp4 --pad 5s --index ./evidence']
  static override args = {sighting: Args.string({description: 'Sighting id from `rtcc search`.', required: true})}
  static override flags = {
    output: Flags.string({char: 'o', description: 'Output file (.mp4, .mkv, .ts).', required: true}),
    pad: Flags.string({description: 'Extra video before and after the sighting.', default: '5s'}),
    index: Flags.string({description: 'Folder holding the search index.', default: '.'}),
    force: Flags.boolean({description: 'Overwrite the output file.'}),
  }

  async run() {
    const {clipSighting} = await import('../../lib/search/local.js')
    const {parseDuration} = await import('../../lib/domain/units.js')
    const result = await clipSighting(this.flags.index, this.args.sighting, this.flags.output, parseDuration(this.flags.pad, '--pad') / 1000, this.flags.force)
    this.out(`wrote ${result.output} (${result.bytes} bytes, ${result.fromSeconds}s–${result.toSeconds}s of ${result.source})`)
    return result
  }
}
