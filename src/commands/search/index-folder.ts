import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import type {FolderIndexResult} from '../../lib/search/local.js'
import type {SearchJob} from '../../lib/domain/search.js'

export default class SearchIndex extends RtccCommand<typeof SearchIndex> {
  // Called as `search index`: a file search/index.ts would be `rtcc search` itself (help lists this file's name).
  static override aliases = ['search:index']
  static override summary = 'Index the video in a folder (or one file) for offline search.'
  static override description = `Decodes each video at about 2 frames a second, runs the object detector on frames that changed since it last looked (and at least every 10 seconds), and links detections into sightings with their colours and a thumbnail. The index lives in DIR/.rtcc-search/, so it travels with the folder; files already indexed and unchanged are skipped. No network, no face model: only the object detector is ever loaded.

With --case, the server indexes the case’s evidence (a background job; the bar follows it) and --json gives the job: {id, caseId, status, filesTotal, filesDone, sightings, error, …}. Otherwise, with --json: {dir, indexed: [{file, durationSeconds, sightings, detectorRuns}], unchanged: [file], skipped: [{file, reason}], sightings, elapsedSeconds}.`
  static override examples = ['<%= config.bin %> search index ./evidence', '<%= config.bin %> search index canvass/door-12.mp4 --json']
  static override args = {target: Args.string({description: 'Folder of video files, or one video file (not with --case).'})}
  static override flags = {
    case: Flags.string({description: 'Index a case’s evidence on the server instead (a background job; new uploads of the case are indexed as they arrive).'}),
    fps: Flags.string({description: 'Frames per second to decode and consider.', default: '2'}),
  }

  async run(): Promise<FolderIndexResult | SearchJob> {
    if (this.flags.case) return this.indexCase(this.flags.case)
    if (!this.args.target) {
      const {usageError} = await import('../../lib/errors.js')
      throw usageError('give a folder or file to index, or --case CASE to index a case on the server')
    }
    const {indexFolder} = await import('../../lib/search/local.js')
    const output = await import('../../lib/output/search.js')
    const fps = Number(this.flags.fps)
    if (!(fps > 0 && fps <= 30)) {
      const {usageError} = await import('../../lib/errors.js')
      throw usageError(`--fps ${this.flags.fps} must be a number between 0 and 30`)
    }
    const bar = this.jsonEnabled() ? undefined : output.indexProgressBar()
    const result = await indexFolder(this.args.target, {fps, onProgress: bar?.update}).finally(() => bar?.done())
    this.out(output.renderIndexResult(result))
    return result
  }

  private async indexCase(caseId: string): Promise<SearchJob> {
    const {indexCaseOnServer} = await import('../../lib/client/search.js')
    const output = await import('../../lib/output/search.js')
    const bar = this.jsonEnabled() ? undefined : output.indexProgressBar()
    const job = await indexCaseOnServer(await this.api(), caseId, (j) => bar?.update({file: `case ${caseId}: ${j.filesDone}/${j.filesTotal} files`, doneSeconds: j.filesDone, totalSeconds: j.filesTotal})).finally(() => bar?.done())
    this.out(`indexed case ${caseId}: ${job.filesDone} file(s), ${job.sightings} sighting(s) (job ${job.id})`)
    return job
  }
}
