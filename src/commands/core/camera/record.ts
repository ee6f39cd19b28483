import {Args, Flags} from '@oclif/core'

import {configDirFlag} from '../../../lib/core/command-flags.js'
import {RtccCommand} from '../../../lib/output/base-command.js'
import {usageError} from '../../../lib/errors.js'

export default class CoreCameraRecord extends RtccCommand<typeof CoreCameraRecord> {
  static override summary = 'Turn recording of a camera on or off on this Core, and set how long and how much it keeps.'
  static override description = `Run on the Core host. A running \`rtcc core run\` starts or stops the recorder within seconds. Segments are kept encrypted on this host; the oldest are deleted first when past --retention or when the camera's segments pass --max-disk (and whenever the disk runs low). Who may see them is the camera's policy for recorded video (\`rtcc policy set CAM --recorded …\`).`
  static override examples = [
    '<%= config.bin %> core camera record "Front door" --on --retention 7d --max-disk 50GiB',
    '<%= config.bin %> core camera record cam_01… --off --json',
    '<%= config.bin %> core camera record "Front door" --auto-answer',
  ]
  static override args = {camera: Args.string({required: true, description: 'Camera id (cam_…) or name.'})}
  static override flags = {
    on: Flags.boolean({description: 'Record this camera.', exclusive: ['off']}),
    off: Flags.boolean({description: 'Stop recording (segments already kept stay until retention deletes them).', exclusive: ['on']}),
    retention: Flags.string({description: 'Keep segments this long (e.g. 7d, 72h; default 7d).'}),
    'max-disk': Flags.string({description: "Most disk this camera's segments may use (e.g. 50GiB, 500MB; default 50GiB)."}),
    'auto-answer': Flags.boolean({allowNo: true, description: "Answer footage requests naming this camera from the Core at once (its recorded-video policy still decides each one); --no-auto-answer stops it."}),
    'config-dir': configDirFlag,
  }

  async run() {
    const f = this.flags
    if (!f.on && !f.off && !f.retention && !f['max-disk'] && f['auto-answer'] === undefined) throw usageError('nothing to change', 'Pass --on, --off, --retention, --max-disk or --[no-]auto-answer.')
    const [{setCameraRecording}, {coreConfigDir}, {parseBytes, parseDuration}] = await Promise.all([
      import('../../../lib/core/recording/settings.js'),
      import('../../../lib/core/config.js'),
      import('../../../lib/domain/units.js'),
    ])
    const result = setCameraRecording(coreConfigDir(f['config-dir']), this.args.camera, {
      on: f.on ? true : f.off ? false : undefined,
      retentionSeconds: f.retention === undefined ? undefined : parseDuration(f.retention, '--retention') / 1000,
      maxDiskBytes: f['max-disk'] === undefined ? undefined : parseBytes(f['max-disk'], '--max-disk'),
      autoAnswer: f['auto-answer'],
    })
    const s = result.settings
    this.out(`${result.cameraName} (${result.cameraId}): recording ${s.on ? 'ON' : 'off'}, keeps ${s.retentionSeconds / 86_400} day(s), at most ${(s.maxDiskBytes / 2 ** 30).toFixed(1)} GiB${s.autoAnswer ? ', answers footage requests automatically' : ''}`)
    return result
  }
}
