import type {Camera} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {cameraFlags} from '../../lib/output/registry-flags.js'

export default class CameraAdd extends RtccCommand<typeof CameraAdd> {
  static override summary = 'Register one of your cameras (owner).'
  static override description = 'Only --name and --at are required; say as much as you know: direction, field of view and retention make searches after an incident precise.'
  static override examples = [
    '<%= config.bin %> camera add --name "Front door" --at 41.8781,-87.6298',
    '<%= config.bin %> camera add --name "Lot" --at 41.8779,-87.6301 --type business --direction 180 --fov 90 --records --retention-days 14 --tag parking --json',
  ]
  static override flags = cameraFlags

  async run(): Promise<Camera> {
    const [{addCamera, newCameraFromFlags}, {renderCamera}] = await Promise.all([import('../../lib/client/registry-cameras.js'), import('../../lib/output/registry.js')])
    const camera = await addCamera(await this.api(), newCameraFromFlags(this.flags))
    this.out(renderCamera(camera))
    return camera
  }
}
