import {Flags} from '@oclif/core'

import {configDirFlag, policyFlags} from '../../lib/core/command-flags.js'
import type {PlanPrompts} from '../../lib/core/provision-plan.js'
import type {ProvisionResult} from '../../lib/core/provision.js'
import {LOCATION_TYPES, type LocationType} from '../../lib/domain/camera.js'
import {SHARING_MODES, type SharingMode} from '../../lib/domain/policy.js'
import {parseBytes, parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'
import {type Column, renderTable} from '../../lib/output/table.js'

const columns: Column<ProvisionResult['cameras'][number]>[] = [
  {header: 'camera', get: (c) => c.id},
  {header: 'name', get: (c) => c.name},
  {header: 'video', get: (c) => `${c.stream.codec} ${c.stream.width}x${c.stream.height}@${c.stream.fps ?? '?'}`},
  {header: 'live', get: (c) => c.live},
  {header: 'recorded', get: (c) => c.recorded},
]

export default class CoreProvision extends RtccCommand<typeof CoreProvision> {
  static override summary = 'Set up a Core at the owner\'s site: pick cameras, enrol with a code, write the Core\'s config.'
  static override description = `Run on the Core host, with the owner present. On a terminal it asks which cameras to attach, their credentials, and each camera's policy; in scripts, flags and files decide everything.

It checks every chosen camera's stream with ffprobe, pins the server's certificate (shown for confirmation, or --fingerprint), creates the Core's Ed25519 identity, spends the enrolment code (registering the cameras as the owner's live-capable cameras), and writes the Core's config (mode 0600). Each camera starts with the policy chosen here, \`never\` unless told otherwise; only the owner changes it afterwards. Then start the agent with \`rtcc core run\`.`
  static override examples = [
    '<%= config.bin %> core provision --server https://rtcc.example.gov:8443 --code 7K3M-Q9TX-2BHD-W4NR --from discovery.json --name "Corner Store" --at 41.8781,-87.6298',
    '<%= config.bin %> core provision --server https://10.0.0.5:8443 --code 7K3M-Q9TX-2BHD-W4NR --discover --subnet 192.168.1.0/24 --credentials site-creds.csv --name "Corner Store" --at 41.8781,-87.6298 --fingerprint AB:CD:… --owner-key-id Xq3… --live-policy emergency --json',
    '<%= config.bin %> core provision --server https://10.0.0.5:8443 --code 7K3M-Q9TX-2BHD-W4NR --from discovery.json --camera 192.168.1.20 --camera 192.168.1.21 --policies policies.csv --user admin --password-file cam-pass.txt --name "Lot" --at 41.88,-87.63 --config-dir /etc/rtcc-core',
  ]
  static override flags = {
    code: Flags.string({description: 'The single-use enrolment code from the admin (`rtcc core enroll-code`).', required: true}),
    from: Flags.string({description: 'A discovery file (`rtcc discover -o discovery.json`).'}),
    discover: Flags.boolean({description: 'Scan for ONVIF cameras now instead of reading --from.'}),
    subnet: Flags.string({description: 'With --discover: also sweep this IPv4 block by unicast (repeatable).', multiple: true}),
    interface: Flags.string({description: 'With --discover: interface or address for multicast (repeatable).', multiple: true}),
    'discover-timeout': Flags.string({description: 'With --discover: how long to look.', default: '3s'}),
    camera: Flags.string({description: 'Attach only this camera (address, name or stream URL; repeatable). Default: all found.', multiple: true}),
    credentials: Flags.string({description: 'CSV of camera credentials: user,password[,hosts].'}),
    user: Flags.string({description: 'Camera user for all cameras.'}),
    'password-file': Flags.string({description: 'File holding the camera password for --user ("-" reads stdin).'}),
    ...policyFlags,
    policies: Flags.string({description: 'CSV of starting policies per camera: camera,live,recorded[,record,retention,max_disk] (camera = address, name or stream URL; record yes/no).'}),
    record: Flags.boolean({description: 'Record every camera on the Core (encrypted segments; the policy file\'s record column overrides per camera).'}),
    retention: Flags.string({description: 'With --record: keep recordings this long.', default: '7d'}),
    'max-disk': Flags.string({description: "With --record: most disk each camera's recordings may use.", default: '50GiB'}),
    name: Flags.string({description: 'Site name, shown to agencies and dashboards (e.g. "Corner Store").'}),
    at: Flags.string({description: 'Site location LAT,LON (where the cameras are registered).'}),
    address: Flags.string({description: 'Site postal address.'}),
    type: Flags.string({description: 'Site type.', options: [...LOCATION_TYPES], default: 'business'}),
    fingerprint: Flags.string({description: 'Expected SHA-256 fingerprint of the server certificate (as `rtcc server start` prints it).', env: 'RTCC_FINGERPRINT'}),
    'owner-key-id': Flags.string({description: 'The owner\'s key id, as `rtcc policy key` shows it on their computer ("owner key …"): provisioning stops, before using the code, unless the server\'s copy of the owner key matches. Required without a terminal when the owner has a key.'}),
    'config-dir': configDirFlag,
    force: Flags.boolean({description: 'Replace a Core config already in --config-dir (the old Core stays enrolled on the server).'}),
  }

  async run(): Promise<ProvisionResult> {
    const f = this.flags
    // --server is the global flag (or RTCC_SERVER); here it is required.
    if (!f.server) throw usageError('--server URL is required: the rtcc server this Core will dial', 'e.g. --server https://rtcc.example.gov:8443')
    const server = f.server
    const [{planFromFlags}, {provisionCore}, {coreConfigDir}, {parseLatLon}, {VERSION}] = await Promise.all([
      import('../../lib/core/provision-plan.js'),
      import('../../lib/core/provision.js'),
      import('../../lib/core/config.js'),
      import('../../lib/client/registry.js'),
      import('../../lib/output/version.js'),
    ])
    const prompts = this.interactive() ? await this.prompts() : undefined
    const input = prompts ? await import('@inquirer/prompts') : undefined
    const name = f.name ?? (await input?.input({message: 'Site name (shown to agencies):', required: true}))
    if (!name) throw usageError('--name is required', 'e.g. --name "Corner Store"')
    const atText = f.at ?? (await input?.input({message: 'Site location (LAT,LON):', required: true}))
    if (!atText) throw usageError('--at is required', 'e.g. --at 41.8781,-87.6298')
    const at = parseLatLon(atText)
    const cameras = await planFromFlags(
      {
        from: f.from,
        discover: f.discover,
        subnet: f.subnet,
        interface: f.interface,
        discoverTimeoutMs: parseDuration(f['discover-timeout'], '--discover-timeout'),
        camera: f.camera,
        credentials: f.credentials,
        user: f.user,
        passwordFile: f['password-file'],
        live: f['live-policy'] as SharingMode,
        recorded: f['recorded-policy'] as SharingMode,
        policies: f.policies,
        record: f.record ? {retentionSeconds: parseDuration(f.retention, '--retention') / 1000, maxDiskBytes: parseBytes(f['max-disk'], '--max-disk')} : undefined,
      },
      prompts,
    )
    this.note(`checking ${cameras.length} camera stream(s)…`)
    const result = await provisionCore({
      server,
      code: f.code,
      dir: coreConfigDir(f['config-dir']),
      name,
      site: {...at, address: f.address ?? null, locationType: f.type as LocationType},
      cameras,
      fingerprint: f.fingerprint,
      confirmTrust: input && ((fingerprint) => input.confirm({message: `Server certificate SHA-256 ${fingerprint}\nDoes it match what the server admin gave you?`, default: false})),
      ownerKeyId: f['owner-key-id'],
      confirmOwnerKey: input && ((keyId) => input.confirm({message: `The server holds owner key ${keyId} (its fingerprint). Does it match the "owner key" line \`rtcc policy key\` shows on the owner's computer?`, default: false})),
      force: f.force,
      version: VERSION,
    })
    this.out(`Core ${result.coreId} "${result.name}" enrolled for ${result.ownerName}; config in ${result.configDir}`)
    this.out(renderTable(result.cameras, columns))
    if (!result.ownerKeyId) this.note('note: the owner has no key on the server yet, so the Core cannot verify signed policies, panics or approvals; once they run `rtcc policy key`, set it here with `rtcc core owner-key --key …`.')
    else this.note(`the Core trusts owner key ${result.ownerKeyId}`)
    this.note('next: rtcc core run' + (f['config-dir'] ? ` --config-dir ${f['config-dir']}` : ''))
    return result
  }

  private async prompts(): Promise<PlanPrompts> {
    const {checkbox, input, password, select} = await import('@inquirer/prompts')
    const mode = (message: string, current: SharingMode) => select({message, choices: SHARING_MODES.map((m) => ({value: m, name: m})), default: current})
    return {
      pickCameras: (candidates) =>
        checkbox({message: 'Cameras this Core will serve:', choices: candidates.map((c) => ({value: c, name: `${c.name}  ${c.make ?? ''} ${c.model ?? ''}`.trim(), checked: true})), required: true}),
      credentials: async (camera) => {
        const user = await input({message: `User for ${camera.name} (empty: none):`})
        return user ? {user, password: await password({message: `Password for ${user}@${camera.address}:`})} : null
      },
      policy: async (camera) => ({
        live: await mode(`Live video from ${camera.name} is shared:`, camera.live),
        recorded: await mode(`Recordings from ${camera.name} are shared:`, camera.recorded),
      }),
      password: (user) => password({message: `Camera password for ${user}:`}),
    }
  }
}
