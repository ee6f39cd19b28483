import {Args} from '@oclif/core'

import type {Camera} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {cameraFlags} from '../../lib/output/registry-flags.js'

export default class CameraEdit extends RtccCommand<typeof CameraEdit> {
  static override summary = 'Change one of your cameras (owner); pass only what changes.'
  static override examples = [
    '<%= config.bin %> camera edit cam_01jd3k9y8m2v4x6z8b0c2d4f6h --retention-days 30',
    '<%= config.bin %> camera edit cam_01jd3k9y8m2v4x6z8b0c2d4f6h --at 41.8780,-87.6300 --direction 270 --address "" --json',
  ]
  static override args = {id: Args.string({required: true, description: 'Camera id (cam_…), from `rtcc camera list`.'})}
  static override flags = cameraFlags

  async run(): Promise<Camera> {
    const [{cameraPatchFromFlags, editCamera}, {renderCamera}] = await Promise.all([import('../../lib/client/registry-cameras.js'), import('../../lib/output/registry.js')])
    const camera = await editCamera(await this.api(), this.args.id, cameraPatchFromFlags(this.flags))
    this.out(renderCamera(camera))
    return camera
  }
}
