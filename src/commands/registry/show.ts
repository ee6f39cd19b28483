import {Args} from '@oclif/core'

import type {Camera} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class RegistryShow extends RtccCommand<typeof RegistryShow> {
  static override summary = 'Show one registry camera (analyst and up; owners only their own).'
  static override examples = ['<%= config.bin %> registry show cam_01jd3k9y8m2v4x6z8b0c2d4f6h', '<%= config.bin %> registry show cam_01jd3k9y8m2v4x6z8b0c2d4f6h --json']
  static override args = {id: Args.string({required: true, description: 'Camera id (cam_…).'})}

  async run(): Promise<Camera> {
    const [{showCamera}, {renderCamera}] = await Promise.all([import('../../lib/client/registry.js'), import('../../lib/output/registry.js')])
    const camera = await showCamera(await this.api(), this.args.id)
    this.out(renderCamera(camera))
    return camera
  }
}
