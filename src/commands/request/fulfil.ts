import {Args, Flags} from '@oclif/core'

import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'

export default class RequestFulfil extends RtccCommand<typeof RequestFulfil> {
  static override summary = 'Answer a footage request with clips (owner), by request id or with the token from the email.'
  static override description =
    'Each clip is uploaded as it is (the original). Files that follow --camera NAME were recorded by that camera (its name as the email gives it, or its id); repeat --camera NAME FILE… for each camera. A request with one camera needs no --camera. The request stays open for more uploads until you pass --done (with the last files, or alone), or it expires.\n\n' +
    'Without a profile, pass the --server and --fingerprint the email gives: the certificate is checked for this call only.\n\n' +
    'With --trim-from/--trim-to (and --recording-start, the time the recording starts on the recorder\'s clock) the requested window is also cut out locally with ffmpeg stream copy (no re-encode) and uploaded as a derived copy linked to its original. --clock-offset says how far the recorder\'s clock is ahead (+) or behind (-).'
  static override strict = false
  static override examples = [
    '<%= config.bin %> request fulfil req_01… front-door.mp4 --done',
    '<%= config.bin %> request fulfil rtcc_r_… --camera "Shop A door" door-1.ts door-2.ts --camera "Shop A alley" alley.264 --done --server https://rtcc.example.org:8443 --fingerprint 3A:5F:…',
    '<%= config.bin %> request fulfil rtcc_r_… --done --server https://rtcc.example.org:8443 --fingerprint 3A:5F:…   # everything is sent',
    '<%= config.bin %> request fulfil req_01… --from-core',
    '<%= config.bin %> request fulfil req_01… night.mp4 --recording-start 2026-11-28T20:00:00Z --trim-from 2026-11-28T21:00:00Z --trim-to 2026-11-28T21:30:00Z --clock-offset -90s',
  ]
  static override args = {
    request: Args.string({required: true, description: 'Request id, or the token from the request email.'}),
    files: Args.string({description: 'Video file(s) to upload, each after the --camera that recorded it.'}),
  }
  static override flags = {
    camera: Flags.string({multiple: true, multipleNonGreedy: true, description: 'The camera (name as in the email, or id) that recorded the files that follow; repeat for each camera.'}),
    done: Flags.boolean({description: 'Everything is sent: mark the request fulfilled (the emailed token then stops working).'}),
    fingerprint: Flags.string({description: 'SHA-256 fingerprint of the server\'s certificate, as in the request email (no profile needed).'}),
    'clock-offset': Flags.string({description: 'How far the recorder\'s clock is off: +90s ahead, -2m behind.'}),
    'recording-start': Flags.string({description: 'When the clip starts, on the recorder\'s clock (needed to trim).'}),
    'trim-from': Flags.string({description: 'Also upload the part from this time (ISO-8601).', dependsOn: ['trim-to', 'recording-start']}),
    'trim-to': Flags.string({description: 'Also upload the part up to this time.', dependsOn: ['trim-from', 'recording-start']}),
    'from-core': Flags.boolean({description: "Answer from your Core's recordings instead of files: each camera's window is pulled as for the investigator who asked, under the camera's recorded-video policy.", exclusive: ['camera', 'done', 'trim-from']}),
  }

  async run() {
    const [{answerClient}, {clipsFromArgv, fulfil}] = await Promise.all([import('../../lib/client/answer.js'), import('../../lib/client/fulfil.js')])
    const {raw} = await this.parse(RequestFulfil)
    const f = this.flags
    const offset = f['clock-offset']
    const clockOffsetSeconds = offset ? (offset.trim().startsWith('-') ? -1 : 1) * (parseDuration(offset.replace(/^[+-]/, ''), '--clock-offset') / 1000) : undefined
    if (f['trim-from'] && Number.isNaN(Date.parse(f['trim-from']))) throw usageError('--trim-from is not a time')
    const clips = clipsFromArgv(raw)
    const answer = await answerClient(this.args.request, {profile: f.profile, server: f.server, fingerprint: f.fingerprint})
    if (f['from-core']) {
      const {fulfilFromCore} = await import('../../lib/client/recordings.js')
      const result = await fulfilFromCore(answer)
      for (const c of result.cameras) this.out(c.evidenceId ? `from Core ${c.evidenceId}  ${c.name}` : `not sent ${c.name}: ${c.refused}`)
      this.out(`request ${result.requestId} is ${result.status}`)
      return result
    }
    const result = await fulfil(answer, {
      clips,
      done: f.done,
      clockOffsetSeconds,
      trim: f['trim-from'] && f['trim-to'] && f['recording-start'] ? {from: f['trim-from'], to: f['trim-to'], recordingStart: f['recording-start']} : undefined,
      onProgress: process.stderr.isTTY && !this.jsonEnabled() ? (file, sent, total) => process.stderr.write(`\r${file}: ${Math.round((sent / Math.max(total, 1)) * 100)}%   `) : undefined,
    })
    if (process.stderr.isTTY && result.uploaded.length) process.stderr.write('\n')
    const names = new Map(result.request.cameras.map((c) => [c.cameraId, c.name]))
    for (const clip of result.uploaded) this.out(`${clip.parentId ? '  derived' : 'uploaded'} ${clip.id}  ${names.get(clip.cameraId) ?? clip.cameraId}  ${clip.size} bytes  sha256 ${clip.sha256}`)
    this.out(`request ${result.request.id} (case ${result.request.caseId}) is ${result.request.status}`)
    if (!result.done) this.note('The request stays open: send more files the same way, and finish with --done (alone, or with the last files).')
    return result
  }
}
