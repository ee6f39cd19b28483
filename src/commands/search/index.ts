import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import type {SearchHit} from '../../lib/search/query.js'
import type {ServerHit} from '../../lib/domain/search.js'

export default class Search extends RtccCommand<typeof Search> {
  static override summary = 'Search indexed footage for objects and colours (never faces).'
  static override description = `With --case (or --near/--from/--to), searches the server: sightings in the evidence your agency requested, indexed by \`rtcc search index --case\`; with --json: {"hits": [{id, label, score, colours, camera, caseId, requestId, evidenceId, startSeconds, endSeconds, bestSeconds, box, thumbnail}]} (thumbnail: the file written under --thumbs, else the server path). Without, it searches the offline index of a folder made by \`rtcc search index DIR\` (in an evidence folder written by \`rtcc request download\`, each hit names its camera). Sightings are ranked by score, then by file and time. Classes are the 80 COCO object classes; "person" is the only class about people and nothing about a person is searchable beyond that word and the colours of their clothing box.

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
    case: Flags.string({description: 'Search the server: sightings in this case’s evidence (indexed with `rtcc search index --case`).'}),
    near: Flags.string({description: 'Server: only cameras near LAT,LON.'}),
    radius: Flags.string({description: 'Server: radius around --near (500m, 2km).', default: '500m'}),
    from: Flags.string({description: 'Server: evidence whose request window ends after this time (ISO 8601).'}),
    to: Flags.string({description: 'Server: evidence whose request window starts before this time (ISO 8601).'}),
  }

  async run(): Promise<{hits: SearchHit[] | ServerHit[]}> {
    const {flags} = this
    if (flags.case || flags.near || flags.from || flags.to) return this.searchServer()
    const {searchFolder} = await import('../../lib/search/local.js')
    const hits = await searchFolder(this.flags.index, {
      class: this.flags.class,
      color: this.flags.color,
      camera: this.flags.camera,
      minScore: Number(this.flags['min-score']),
      limit: this.flags.limit,
      thumbs: this.flags.thumbs,
    })
    return this.render(hits)
  }

  private async searchServer(): Promise<{hits: ServerHit[]}> {
    const {searchServer} = await import('../../lib/client/search.js')
    const {parseQuery} = await import('../../lib/search/query.js')
    const {parseDistance, parseTime} = await import('../../lib/domain/units.js')
    const {flags} = this
    const query = parseQuery({class: flags.class, color: flags.color, minScore: Number(flags['min-score']), limit: flags.limit})
    const hits = await searchServer(
      await this.api(),
      {case: flags.case, camera: flags.camera, class: query.label, color: query.colour, minScore: query.minScore, limit: query.limit, near: flags.near, radius: flags.near ? parseDistance(flags.radius, '--radius') : undefined, from: flags.from && parseTime(flags.from, '--from'), to: flags.to && parseTime(flags.to, '--to')},
      flags.thumbs,
    )
    await this.render(hits.map((h) => ({...h, label: h.label as SearchHit['label'], colours: h.colours as SearchHit['colours'], source: h.evidenceId})))
    return {hits}
  }

  private async render(hits: SearchHit[]): Promise<{hits: SearchHit[]}> {
    const output = await import('../../lib/output/search.js')
    if (this.flags.csv) process.stdout.write(await output.hitsCsv(hits))
    else if (!this.jsonEnabled()) {
      if (process.stdout.isTTY && hits.length) this.out(await output.previewHits(hits))
      this.out(output.renderHits(hits))
    }
    return {hits}
  }
}
