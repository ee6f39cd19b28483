import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class SearchClip extends RtccCommand<typeof SearchClip> {
  static override summary = 'Cut the stretch of source video around a sighting (stream copy).'
  static override description = 'Stream copy keeps the original bits, so the cut lands on keyframes. With --json: {sighting, source, output, fromSeconds, toSeconds, bytes}. A server sighting (sgt_…) is cut from its evidence, and OUTPUT.lineage.json records the source evidence id, its SHA-256 and the offsets; --json then adds {evidenceId, sourceSha256, lineage}.'
  static override examples = ['<%= config.bin %> search clip sig_01jz8k3v2c9q7d4hx0f5b6a2mn -o red-car.mp4 --pad 5s --index ./evidence']
  static override args = {sighting: Args.string({description: 'Sighting id from `rtcc search`.', required: true})}
  static override flags = {
    output: Flags.string({char: 'o', description: 'Output file (.mp4, .mkv, .ts).', required: true}),
    pad: Flags.string({description: 'Extra video before and after the sighting.', default: '5s'}),
    index: Flags.string({description: 'Folder holding the search index.', default: '.'}),
    force: Flags.boolean({description: 'Overwrite the output file.'}),
  }

  async run() {
    const {parseDuration} = await import('../../lib/domain/units.js')
    const pad = parseDuration(this.flags.pad, '--pad') / 1000
    // Server sightings (sgt_…) are cut from their evidence and keep their lineage beside the clip.
    if (this.args.sighting.startsWith('sgt_')) {
      const {clipServerSighting} = await import('../../lib/client/search.js')
      const result = await clipServerSighting(await this.api(), this.args.sighting, this.flags.output, pad, this.flags.force)
      this.out(`wrote ${result.output} (${result.bytes} bytes, ${result.fromSeconds}s–${result.toSeconds}s of evidence ${result.evidenceId}); lineage in ${result.lineage}`)
      return result
    }
    const {clipSighting} = await import('../../lib/search/local.js')
    const result = await clipSighting(this.flags.index, this.args.sighting, this.flags.output, pad, this.flags.force)
    this.out(`wrote ${result.output} (${result.bytes} bytes, ${result.fromSeconds}s–${result.toSeconds}s of ${result.source})`)
    return result
  }
}
