/**
 * Import rows of source `owner`: cameras that owners registered themselves (`rtcc camera add`), as a
 * registry export writes them. Only their owner may change such a camera, so an import never applies
 * one of these rows: a row identical to the registry counts as unchanged (an export re-imports as a
 * no-op), anything else is rejected with the reason.
 */
import {CameraFields, type CameraInput} from '../domain/camera.js'
import {FIELD_COLUMNS} from './columns.js'
import type {FieldError} from './validate.js'

export const OWNER_SOURCE = 'owner'

/** The camera's fields and who owns it; the owner's name and contact are the owner's own profile, which imports never change. */
const COMPARED: (keyof CameraInput)[] = [...(Object.keys(CameraFields.shape) as (keyof CameraFields)[]), 'ownerEmail']

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

/** Why `row` cannot be imported over `registered` (the owner-registered camera with its key, if any), or undefined when it is unchanged. */
export function ownerRowProblem(row: CameraInput, registered: CameraInput | undefined): FieldError | undefined {
  if (!registered) {
    return {
      field: 'external_id',
      message: 'is not a camera an owner registered here (the source "owner" is reserved for cameras owners register themselves)',
      expected: 'another source name for cameras you manage; rows of source "owner" only re-import unchanged from an export of this registry',
      value: row.externalId,
    }
  }
  const field = COMPARED.find((f) => JSON.stringify(row[f]) !== JSON.stringify(registered[f]))
  if (field === undefined) return undefined
  return {
    field: FIELD_COLUMNS[field],
    message: `differs from camera ${row.externalId}, which its owner registered: only the owner can change it`,
    expected: `the registry's value ${JSON.stringify(registered[field])}`,
    value: shown(row[field]),
  }
}
