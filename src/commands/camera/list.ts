import type {Camera} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class CameraList extends RtccCommand<typeof CameraList> {
  static override summary = 'List your cameras (owner).'
  static override examples = ['<%= config.bin %> camera list', '<%= config.bin %> camera list --json']

  async run(): Promise<Camera[]> {
    const [{listMyCameras}, {renderCameras}] = await Promise.all([import('../../lib/client/registry-cameras.js'), import('../../lib/output/registry.js')])
    const cameras = await listMyCameras(await this.api())
    this.out(renderCameras(cameras))
    if (cameras.length === 0) this.note('no cameras yet: add one with `rtcc camera add --name NAME --at LAT,LON`')
    return cameras
  }
}
