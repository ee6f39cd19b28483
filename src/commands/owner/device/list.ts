import type {DeviceView} from '../../../lib/domain/device.js'
import {RtccCommand} from '../../../lib/output/base-command.js'

export default class OwnerDeviceList extends RtccCommand<typeof OwnerDeviceList> {
  static override summary = 'List the phones that may raise a panic for you, and their state.'
  static override examples = ['<%= config.bin %> owner device list', '<%= config.bin %> owner device list --json']

  async run(): Promise<DeviceView[]> {
    const [{listDevices}, {renderTable}] = await Promise.all([import('../../../lib/client/devices.js'), import('../../../lib/output/table.js')])
    const devices = await listDevices(await this.api())
    this.out(
      renderTable(devices, [
        {header: 'id', get: (d) => d.id},
        {header: 'name', get: (d) => d.name},
        {header: 'status', get: (d) => d.status},
        {header: 'key', get: (d) => d.keyId},
        {header: 'vouched', get: (d) => d.vouchedAt},
        {header: 'revoked', get: (d) => d.revokedAt},
      ]),
    )
    return devices
  }
}
