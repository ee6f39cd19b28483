import {Args, Flags} from '@oclif/core'

import type {EvidenceVerifyReport} from '../../lib/evidence/evidence-dir.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {RtccError} from '../../lib/errors.js'
import {green, red} from '../../lib/output/terminal.js'

export default class EvidenceVerify extends RtccCommand<typeof EvidenceVerify> {
  static override summary = 'Check a downloaded evidence folder offline: every file\'s SHA-256 and the server\'s signature on custody.json.'
  static override description =
    'Exits 1 and names each bad file if anything was changed, added to custody.json or removed. Without --public-key the signature is checked only against the key inside custody.json, which proves the document is intact but not who signed it: pass the server\'s audit-signing.pub to prove that.'
  static override examples = [
    '<%= config.bin %> evidence verify ./case-2026-0142',
    '<%= config.bin %> evidence verify ./case-2026-0142 --public-key ./audit-signing.pub',
    '<%= config.bin %> evidence verify ./case-2026-0142 --public-key ./audit-signing.pub --json',
  ]
  static override args = {dir: Args.directory({required: true, description: 'Folder written by `rtcc request download`.'})}
  static override flags = {
    'public-key': Flags.file({description: "The server's Ed25519 public key (audit-signing.pub, PEM)."}),
  }

  async run(): Promise<EvidenceVerifyReport> {
    const {loadPublicKey, verifyEvidenceDir} = await import('../../lib/evidence/evidence-dir.js')
    const publicKey = this.flags['public-key'] ? await loadPublicKey(this.flags['public-key']) : undefined
    const report = await verifyEvidenceDir(this.args.dir, publicKey)
    for (const warning of report.warnings) this.note(`${red('!')} ${warning}`)
    if (!report.ok) {
      throw new RtccError(`evidence FAILED verification: ${report.problems[0]}`, {
        code: 'evidence_mismatch',
        result: report,
        where: report.dir,
        hint: report.problems.length > 1 ? `${report.problems.length} problems: ${report.problems.slice(1).join('; ')}` : 'Do not rely on this copy: download the evidence again and investigate who changed it.',
      })
    }
    const signedBy = report.signature.key === 'given' ? `signed by the given key ${report.signature.keyId}` : `signature intact (key ${report.signature.keyId} from custody.json)`
    this.out(`${green('✔')} ${report.files.length} file${report.files.length === 1 ? '' : 's'} match custody.json for case ${report.caseId}; ${signedBy}`)
    for (const file of report.files) this.out(`  ${file.name}  ${file.sha256}  ${file.bytes} bytes  ${file.kind}`)
    return report
  }
}
