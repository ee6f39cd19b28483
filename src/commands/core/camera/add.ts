import {Flags} from '@oclif/core'

import type {AddedCamera} from '../../../lib/core/camera-add.js'
import {configDirFlag, policyFlags} from '../../../lib/core/command-flags.js'
import {LOCATION_TYPES, type LocationType} from '../../../lib/domain/camera.js'
import type {SharingMode} from '../../../lib/domain/policy.js'
import {RtccCommand} from '../../../lib/output/base-command.js'
import {usageError} from '../../../lib/errors.js'

export default class CoreCameraAdd extends RtccCommand<typeof CoreCameraAdd> {
  static override summary = 'Attach a camera without ONVIF (DVR, NVR channel, doorbell) to this Core by its RTSP URL.'
  static override description = 'Run on the Core host. The stream must deliver video to ffprobe before the camera is accepted. The camera is registered as the owner\'s live-capable camera at the site\'s location (or --at) and starts with the policy given here (`never` unless told otherwise). A running `rtcc core run` picks it up at once. The camera password comes from --password-file or RTCC_CAMERA_PASSWORD, never from a flag value.'
  static override examples = [
    '<%= config.bin %> core camera add --rtsp rtsp://192.168.1.40:554/Streaming/Channels/101 --name "Rear lot (DVR ch1)" --user admin --password-file dvr-pass.txt',
    '<%= config.bin %> core camera add --rtsp rtsp://10.0.0.9/live --name Doorbell --live-policy emergency --at 41.8782,-87.6297 --json',
  ]
  static override flags = {
    rtsp: Flags.string({description: 'The camera\'s RTSP URL.', required: true}),
    name: Flags.string({description: 'Camera name, shown to agencies.', required: true}),
    user: Flags.string({description: 'Camera user (or put user@ in the URL).'}),
    'password-file': Flags.string({description: 'File holding the camera password ("-" reads stdin).'}),
    ...policyFlags,
    at: Flags.string({description: 'Camera location LAT,LON (default: the site\'s).'}),
    type: Flags.string({description: 'Location type (default: the site\'s).', options: [...LOCATION_TYPES]}),
    make: Flags.string({description: 'Manufacturer.'}),
    model: Flags.string({description: 'Model.'}),
    'config-dir': configDirFlag,
  }

  async run(): Promise<AddedCamera> {
    const f = this.flags
    const [{addCoreCamera}, {coreConfigDir}, {readPassword}, {parseLatLon}] = await Promise.all([
      import('../../../lib/core/camera-add.js'),
      import('../../../lib/core/config.js'),
      import('../../../lib/onvif/credentials.js'),
      import('../../../lib/client/registry.js'),
    ])
    let credentials: {user: string; password: string} | undefined
    if (f.user) {
      const password = await readPassword(f['password-file'])
      if (password === undefined) throw usageError(`no password for --user ${f.user}`, 'Pass --password-file FILE (or - for stdin), or set RTCC_CAMERA_PASSWORD.')
      credentials = {user: f.user, password}
    }
    const camera = await addCoreCamera({
      dir: coreConfigDir(f['config-dir']),
      rtsp: f.rtsp,
      name: f.name,
      credentials,
      live: f['live-policy'] as SharingMode,
      recorded: f['recorded-policy'] as SharingMode,
      at: f.at === undefined ? undefined : parseLatLon(f.at),
      locationType: f.type as LocationType | undefined,
      make: f.make,
      model: f.model,
    })
    this.out(`added ${camera.id} "${camera.name}": ${camera.stream.codec} ${camera.stream.width}x${camera.stream.height}@${camera.stream.fps ?? '?'} fps; live ${camera.live}, recorded ${camera.recorded}`)
    return camera
  }
}
