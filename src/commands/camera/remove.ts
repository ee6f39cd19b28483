import {Args} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class CameraRemove extends RtccCommand<typeof CameraRemove> {
  static override summary = 'Remove one of your cameras from the registry (owner).'
  static override examples = ['<%= config.bin %> camera remove cam_01jd3k9y8m2v4x6z8b0c2d4f6h', '<%= config.bin %> camera remove cam_01jd3k9y8m2v4x6z8b0c2d4f6h --json']
  static override args = {id: Args.string({required: true, description: 'Camera id (cam_…).'})}

  async run(): Promise<{deleted: true; id: string}> {
    const {removeCamera} = await import('../../lib/client/registry-cameras.js')
    const result = await removeCamera(await this.api(), this.args.id)
    this.out(`removed ${result.id}`)
    return result
  }
}
