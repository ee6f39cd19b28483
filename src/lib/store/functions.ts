/** SQL functions the registry queries use; registered on every connection the server opens. */
import {registerJurisdictionFunction} from './agencies.js'
import {registerDistanceFunction} from './cameras.js'
import type {Db} from './db.js'

export function registerFunctions(db: Db): void {
  registerJurisdictionFunction(db)
  registerDistanceFunction(db)
}
