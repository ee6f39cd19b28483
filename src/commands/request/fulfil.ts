import {Args, Flags} from '@oclif/core'

import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/output/errors.js'

export default class RequestFulfil extends RtccCommand<typeof RequestFulfil> {
  static override summary = 'Answer a footage request with one or more clips (owner), by request id or with the token from the email.'
  static override description =
    'Each clip is uploaded as it is (the original). With --trim-from/--trim-to (and --recording-start, the time the recording starts on the recorder\'s clock) the requested window is also cut out locally with ffmpeg stream copy (no re-encode) and uploaded as a derived copy linked to its original. --clock-offset says how far the recorder\'s clock is ahead (+) or behind (-).'
  static override strict = false
  static override examples = [
    '<%= config.bin %> request fulfil req_01… front-door.mp4',
    '<%= config.bin %> request fulfil rtcc_r_… cam1.mp4 cam2.mp4 --server https://rtcc.example.org:8443 --camera cam_01…',
    '<%= config.bin %> request fulfil req_01… night.mp4 --recording-start 2026-11-28T20:00:00Z --trim-from 2026-11-28T21:00:00Z --trim-to 2026-11-28T21:30:00Z --clock-offset -90s',
  ]
  static override args = {
    request: Args.string({required: true, description: 'Request id, or the token from the request email.'}),
    files: Args.string({required: true, description: 'Video file(s) to upload.'}),
  }
  static override flags = {
    camera: Flags.string({description: 'Which of the request\'s cameras recorded the clips (needed when the request names several).'}),
    'clock-offset': Flags.string({description: 'How far the recorder\'s clock is off: +90s ahead, -2m behind.'}),
    'recording-start': Flags.string({description: 'When the clip starts, on the recorder\'s clock (needed to trim).'}),
    'trim-from': Flags.string({description: 'Also upload the part from this time (ISO-8601).', dependsOn: ['trim-to', 'recording-start']}),
    'trim-to': Flags.string({description: 'Also upload the part up to this time.', dependsOn: ['trim-from', 'recording-start']}),
  }

  async run() {
    const [{answerClient}, {fulfil}] = await Promise.all([import('../../lib/client/answer.js'), import('../../lib/client/fulfil.js')])
    const {argv} = await this.parse(RequestFulfil)
    const files = (argv as string[]).slice(1)
    const offset = this.flags['clock-offset']
    const clockOffsetSeconds = offset ? (offset.trim().startsWith('-') ? -1 : 1) * (parseDuration(offset.replace(/^[+-]/, ''), '--clock-offset') / 1000) : undefined
    const f = this.flags
    if (f['trim-from'] && Number.isNaN(Date.parse(f['trim-from']))) throw usageError('--trim-from is not a time')
    const {api, path} = await answerClient(this.args.request, {profile: f.profile, server: f.server})
    const result = await fulfil(api, path, {
      files,
      camera: f.camera,
      clockOffsetSeconds,
      trim: f['trim-from'] && f['trim-to'] && f['recording-start'] ? {from: f['trim-from'], to: f['trim-to'], recordingStart: f['recording-start']} : undefined,
      onProgress: process.stderr.isTTY && !this.jsonEnabled() ? (file, sent, total) => process.stderr.write(`\r${file}: ${Math.round((sent / Math.max(total, 1)) * 100)}%   `) : undefined,
    })
    if (process.stderr.isTTY) process.stderr.write('\n')
    for (const clip of result.uploaded) this.out(`${clip.parentId ? '  derived' : 'uploaded'} ${clip.id}  ${clip.size} bytes  sha256 ${clip.sha256}`)
    this.out(`request ${result.request.id} (case ${result.request.caseId}) is ${result.request.status}`)
    return result
  }
}
