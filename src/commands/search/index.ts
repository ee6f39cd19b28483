import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import type {SearchHit} from '../../lib/search/query.js'

export default class Search extends RtccCommand<typeof Search> {
  static override summary = 'Search indexed footage for objects and colours (never faces).'
  static override description = `Searches the offline index of a folder made by \`rtcc search index DIR\` (in an evidence folder written by \`rtcc request download\`, each hit names its camera). Sightings are ranked by score, then by file and time. Classes are the 80 COCO object classes; "person" is the only class about people and nothing about a person is searchable beyond that word and the colours of their clothing box.

With --json: {"hits": [{id, label, score, colours, camera, source, startSeconds, endSeconds, bestSeconds, box, thumbnail}]}.`
  static override examples = [
    '<%= config.bin %> search --class car --color red --index ./evidence',
    '<%= config.bin %> search --class person --color blue --min-score 0.5 --thumbs ./crops --json',
  ]
  static override flags = {
    class: Flags.string({description: 'Object class (car, person, truck, bicycle, dog…).'}),
    color: Flags.string({description: 'Colour name: red, orange, yellow, green, blue, purple, pink, brown, white, grey, black.'}),
    camera: Flags.string({description: 'Only this camera’s footage (known in folders written by `rtcc request download`).'}),
    'min-score': Flags.string({description: 'Lowest detector score, 0–1.', default: '0.4'}),
    limit: Flags.integer({char: 'n', description: 'At most this many hits.', default: 50}),
    index: Flags.string({description: 'Folder holding the search index (made by `rtcc search index`).', default: '.'}),
    thumbs: Flags.string({description: 'Copy the hits’ thumbnail crops into this folder.'}),
    csv: Flags.boolean({description: 'CSV output (not with --json).', exclusive: ['json']}),
  }

  async run(): Promise<{hits: SearchHit[]}> {
    const {searchFolder} = await import('../../lib/search/local.js')
    const hits = await searchFolder(this.flags.index, {
      class: this.flags.class,
      color: this.flags.color,
      camera: this.flags.camera,
      minScore: Number(this.flags['min-score']),
      limit: this.flags.limit,
      thumbs: this.flags.thumbs,
    })
    const output = await import('../../lib/output/search.js')
    if (this.flags.csv) process.stdout.write(await output.hitsCsv(hits))
    else if (!this.jsonEnabled()) {
      if (process.stdout.isTTY && hits.length) this.out(await output.previewHits(hits))
      this.out(output.renderHits(hits))
    }
    return {hits}
  }
}
