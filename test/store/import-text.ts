/** Imports CSV text through the import service as an admin (update on conflict), straight into a store. */
import type {ImportSummary} from '../../src/lib/domain/registry-import.js'
import type {Actor, ServiceContext} from '../../src/lib/services/context.js'
import {importCameras} from '../../src/lib/services/registry-import.js'
import type {Store} from '../../src/lib/store/store.js'

export async function importText(store: Store, text: string): Promise<ImportSummary> {
  const ctx = {store, now: () => new Date(), note: () => undefined, audited: (fn: () => unknown) => store.transaction(fn)} as unknown as ServiceContext
  const admin = {role: 'admin', user: {id: 'usr_admin', username: 'admin', agency_id: null}} as unknown as Actor
  const options = {format: 'csv', fileName: 'cams.csv', onConflict: 'update', dryRun: false, atomic: false} as const
  return importCameras(ctx, admin, {options, body: [Buffer.from(text)], complete: () => true} as never)
}
