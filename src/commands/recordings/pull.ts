import {Args, Flags} from '@oclif/core'

import type {PulledRecording} from '../../lib/client/recordings.js'
import {parseTime} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {green} from '../../lib/output/terminal.js'

export default class RecordingsPull extends RtccCommand<typeof RecordingsPull> {
  static override summary = "Pull a window of recorded video from a camera's Core into a case's evidence, then download and verify it."
  static override description = `The owner's Core decides with its own policy for recorded video (always, emergency, approval, never, schedules); the server cannot make it release more. The Core cuts the window from its encrypted segments by stream copy (the clip starts on the keyframe at or before --from), checks every segment against its signed hash chain, and uploads the clip; it is kept as evidence of --case with the Core's facts (segment hashes, signed chain head, camera clock offset, policy reason) in custody.json.`
  static override examples = [
    '<%= config.bin %> recordings pull cam_01… --from 2026-12-06T02:09:00Z --to 2026-12-06T02:11:00Z --case 26-114233 -o ./evidence/26-114233-cam1',
    '<%= config.bin %> recordings pull cam_01… --from 10m --to 5m -o ./clip --json',
    '<%= config.bin %> evidence verify ./evidence/26-114233-cam1   # later, offline',
  ]
  static override args = {camera: Args.string({required: true, description: 'Camera id (cam_…).'})}
  static override flags = {
    from: Flags.string({required: true, description: 'Start of the window (ISO time, or a duration ago like 15m).'}),
    to: Flags.string({required: true, description: 'End of the window.'}),
    case: Flags.string({description: 'Case number the clip is evidence of (default: a new pull-… case).'}),
    output: Flags.string({char: 'o', required: true, description: 'Folder to write the clip and custody.json to (new or empty).'}),
  }

  async run(): Promise<PulledRecording> {
    const {pullRecording} = await import('../../lib/client/recordings.js')
    const now = new Date()
    const input = {from: parseTime(this.flags.from, '--from', now), to: parseTime(this.flags.to, '--to', now), caseId: this.flags.case}
    this.note(`asking the Core for ${input.from} to ${input.to}…`)
    const pulled = await pullRecording(await this.api(), this.args.camera, input, this.flags.output, (name, bytes) => this.note(`${green('✔', process.stderr)} ${name} (${bytes} bytes, SHA-256 verified)`))
    this.out(
      `${green('✔')} ${pulled.durationSeconds.toFixed(1)} s of recorded video (${pulled.manifest.segments.length} segment(s)${pulled.manifest.gaps.length ? `, ${pulled.manifest.gaps.length} gap(s)` : ''}) in ${pulled.download.dir}\n` +
        `  case ${pulled.caseId}, request ${pulled.requestId}, evidence ${pulled.evidenceId}\n  policy: ${pulled.policy.reason}\n  custody.json verified; the Core's signature over chain entry ${pulled.manifest.chainHead.seq} verified`,
    )
    return pulled
  }
}
