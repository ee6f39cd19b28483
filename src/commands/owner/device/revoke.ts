import {Args} from '@oclif/core'

import type {DeviceView} from '../../../lib/domain/device.js'
import {RtccCommand} from '../../../lib/output/base-command.js'

export default class OwnerDeviceRevoke extends RtccCommand<typeof OwnerDeviceRevoke> {
  static override summary = 'Take a phone\'s panic button back: your owner key signs the revocation, and your Cores drop its key.'
  static override examples = ['<%= config.bin %> owner device revoke dev_01jb…', '<%= config.bin %> owner device revoke "Mo\'s phone" --json']
  static override args = {device: Args.string({description: 'Device id or name (from `rtcc owner device list`).', required: true})}

  async run(): Promise<DeviceView> {
    const {revokeDevice} = await import('../../../lib/client/devices.js')
    const device = await revokeDevice(await this.api(), this.args.device)
    this.out(`revoked ${device.name} (${device.id}${device.keyId ? `, key ${device.keyId}` : ''})`)
    return device
  }
}
