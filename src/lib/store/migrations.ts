/**
 * Numbered, forward-only migrations: entry N (1-based) moves the schema from version N-1 to N.
 * Never edit a released entry; append a new one. Each entry starts with `-- N: title`, the line
 * `rtcc server migrate` shows for it.
 */
import {AUDIT_RECORDS_INDEXES, AUDIT_RECORDS_TABLE} from './audit-schema.js'

export const migrations: string[] = [
  `-- 1: identity, sessions, tokens, audit log
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    locked_at TEXT,
    mfa_secret TEXT,
    mfa_pending_secret TEXT,
    mfa_required INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE login_failures (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at TEXT NOT NULL
  );
  CREATE INDEX login_failures_user ON login_failures(user_id, at);
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT 'full',
    ended_at TEXT
  );
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role_scope TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );
  CREATE TABLE audit_records (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    actor_id TEXT,
    actor_name TEXT,
    role TEXT,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL,
    source TEXT,
    request_id TEXT,
    bytes_in INTEGER,
    bytes_out INTEGER,
    detail TEXT,
    leaf_hash BLOB NOT NULL
  );
  CREATE INDEX audit_records_time ON audit_records(time);
  CREATE INDEX audit_records_actor ON audit_records(actor_name);
  CREATE INDEX audit_records_action ON audit_records(action);
  CREATE TABLE audit_checkpoints (
    size INTEGER PRIMARY KEY,
    root_hash BLOB NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    time TEXT NOT NULL,
    severity TEXT NOT NULL,
    owner_id TEXT,
    data TEXT NOT NULL
  );
  `,
  `-- 2: agencies and jurisdictions, owners, the camera registry with an R*Tree spatial index
  CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    jurisdiction TEXT NOT NULL,
    min_lat REAL NOT NULL, max_lat REAL NOT NULL, min_lon REAL NOT NULL, max_lon REAL NOT NULL,
    created_at TEXT NOT NULL
  );
  ALTER TABLE users ADD COLUMN agency_id TEXT REFERENCES agencies(id);
  CREATE TABLE owners (
    id TEXT PRIMARY KEY,
    user_id TEXT UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    organisation TEXT,
    email TEXT NOT NULL,
    phone TEXT,
    postal_address TEXT,
    preferred_contact TEXT NOT NULL DEFAULT 'email',
    verified INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX owners_email ON owners(email);
  CREATE TABLE cameras (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    address TEXT,
    location_type TEXT NOT NULL,
    make TEXT,
    model TEXT,
    view_description TEXT,
    view_direction REAL,
    field_of_view REAL,
    records INTEGER NOT NULL,
    retention_days INTEGER,
    live_capable INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source, external_id)
  );
  CREATE INDEX cameras_owner ON cameras(owner_id);
  CREATE VIRTUAL TABLE camera_locations USING rtree(camera_rowid, min_lat, max_lat, min_lon, max_lon);
  CREATE TRIGGER cameras_locate_insert AFTER INSERT ON cameras BEGIN
    INSERT INTO camera_locations VALUES (NEW.rowid, NEW.latitude, NEW.latitude, NEW.longitude, NEW.longitude);
  END;
  CREATE TRIGGER cameras_locate_update AFTER UPDATE OF latitude, longitude ON cameras BEGIN
    UPDATE camera_locations SET min_lat = NEW.latitude, max_lat = NEW.latitude, min_lon = NEW.longitude, max_lon = NEW.longitude
    WHERE camera_rowid = NEW.rowid;
  END;
  CREATE TRIGGER cameras_locate_delete AFTER DELETE ON cameras BEGIN
    DELETE FROM camera_locations WHERE camera_rowid = OLD.rowid;
  END;
  `,
  `-- 3: footage requests, their cameras and timeline, evidence files
  CREATE TABLE footage_requests (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    agency_id TEXT REFERENCES agencies(id),
    agency_name TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_by_name TEXT NOT NULL,
    -- no foreign key: a request and its evidence outlive an owner who deletes their profile
    owner_id TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    radius_m REAL NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    decline_reason TEXT,
    last_mailed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX footage_requests_case ON footage_requests(case_id);
  CREATE INDEX footage_requests_owner ON footage_requests(owner_id, status);
  CREATE INDEX footage_requests_status ON footage_requests(status, expires_at);
  CREATE TABLE request_cameras (
    request_id TEXT NOT NULL REFERENCES footage_requests(id) ON DELETE CASCADE,
    camera_id TEXT NOT NULL,
    camera_name TEXT NOT NULL,
    distance_m REAL NOT NULL,
    faces_incident INTEGER,
    rank INTEGER NOT NULL,
    PRIMARY KEY (request_id, camera_id)
  );
  CREATE TABLE request_timeline (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES footage_requests(id) ON DELETE CASCADE,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    source TEXT,
    event TEXT NOT NULL,
    target TEXT,
    detail TEXT
  );
  CREATE INDEX request_timeline_request ON request_timeline(request_id, id);
  CREATE TABLE evidence_files (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES footage_requests(id),
    camera_id TEXT,
    parent_id TEXT REFERENCES evidence_files(id),
    blob_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    media TEXT NOT NULL,
    encryption TEXT NOT NULL,
    custody TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX evidence_files_request ON evidence_files(request_id);
  `,
  `-- 4: the registry's spatial index moves to memory (store/camera-locations.ts): no R*Tree, no per-row triggers
  DROP TRIGGER cameras_locate_insert;
  DROP TRIGGER cameras_locate_update;
  DROP TRIGGER cameras_locate_delete;
  DROP TABLE camera_locations;
  `,
  `-- 5: Core edge agents: single-use enrolment codes, enrolled Cores, the cameras each Core serves
  CREATE TABLE core_enrollment_codes (
    code_hash BLOB PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    core_id TEXT
  );
  CREATE TABLE cores (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    version TEXT,
    enrolled_at TEXT NOT NULL,
    online INTEGER NOT NULL DEFAULT 0,
    connected_at TEXT,
    last_seen_at TEXT,
    source_address TEXT
  );
  CREATE INDEX cores_owner ON cores(owner_id);
  CREATE TABLE core_cameras (
    camera_id TEXT PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    core_id TEXT NOT NULL REFERENCES cores(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'unknown',
    detail TEXT,
    onvif TEXT,
    stream TEXT,
    live_mode TEXT,
    recorded_mode TEXT,
    checked_at TEXT
  );
  CREATE INDEX core_cameras_core ON core_cameras(core_id);
  `,
  `-- 6: owner control: owner keys, owner-signed policy documents (queued for the Core), the policy the server shows, panics, access requests
  CREATE TABLE owner_keys (
    key_id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    public_key TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX owner_keys_owner ON owner_keys(owner_id);
  CREATE TABLE policy_documents (
    id INTEGER PRIMARY KEY,
    camera_id TEXT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    delivered_at TEXT,
    UNIQUE (camera_id, version)
  );
  CREATE TABLE camera_policies (
    camera_id TEXT PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    live_mode TEXT NOT NULL,
    recorded_mode TEXT NOT NULL,
    policy TEXT,
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE panics (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    started_at TEXT NOT NULL,
    until TEXT NOT NULL,
    message TEXT,
    cleared_at TEXT,
    statement TEXT NOT NULL,
    clear_statement TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX panics_owner ON panics(owner_id, until);
  CREATE TABLE access_requests (
    id TEXT PRIMARY KEY,
    camera_id TEXT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    agency_id TEXT,
    agency_name TEXT,
    reason TEXT NOT NULL,
    duration_s INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decision_note TEXT,
    window_from TEXT,
    window_until TEXT,
    approval TEXT
  );
  CREATE INDEX access_requests_camera ON access_requests(camera_id, status);
  CREATE INDEX access_requests_owner ON access_requests(owner_id, status, created_at);
  CREATE INDEX audit_records_target ON audit_records(target);
  `,
  `-- 7: accounts: failed logins and timed lockouts counted per name typed (known or not); users.locked_at is now an admin's lock only; last TOTP step used
  CREATE TABLE login_attempts (name TEXT NOT NULL COLLATE NOCASE, at TEXT NOT NULL);
  CREATE INDEX login_attempts_name ON login_attempts(name, at);
  CREATE INDEX login_attempts_at ON login_attempts(at);
  CREATE TABLE login_lockouts (name TEXT PRIMARY KEY COLLATE NOCASE, until TEXT NOT NULL);
  INSERT INTO login_lockouts (name, until)
    SELECT username, strftime('%Y-%m-%dT%H:%M:%fZ', locked_at, '+15 minutes') FROM users WHERE locked_at IS NOT NULL;
  UPDATE users SET locked_at = NULL;
  DROP TABLE login_failures;
  ALTER TABLE users ADD COLUMN mfa_last_step INTEGER;
  `,
  `-- 8: audit cosignatures: witnesses' (Cores') C2SP tlog-cosignature lines over signed checkpoints, one per witness and size
  CREATE TABLE audit_cosignatures (
    size INTEGER NOT NULL,
    cosigner TEXT NOT NULL,
    line TEXT NOT NULL,
    signed_at INTEGER NOT NULL,
    PRIMARY KEY (size, cosigner)
  );
  `,
  `-- 9: rate-limit windows in the database, so that several server instances count together (used on PostgreSQL; one SQLite server counts in memory)
  CREATE TABLE rate_limit_hits (key TEXT PRIMARY KEY, hits INTEGER NOT NULL, resets_at INTEGER NOT NULL);
  CREATE INDEX rate_limit_hits_resets ON rate_limit_hits(resets_at);
  `,
  `-- 10: owners' devices: a phone's key the owner vouches for (signed), for panics from the phone; its one-time link and access token (hashes)
  CREATE TABLE owner_devices (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    link_hash TEXT UNIQUE,
    link_expires_at TEXT NOT NULL,
    public_key TEXT,
    key_id TEXT,
    token_hash TEXT UNIQUE,
    statement TEXT,
    vouched_at TEXT,
    revoke_statement TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX owner_devices_owner ON owner_devices(owner_id, created_at);
  `,
  `-- 11: video search: index jobs per case, which evidence files were indexed, and the sightings found (thumbnails are encrypted evidence blobs)
  CREATE TABLE search_jobs (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    agency_id TEXT,
    started_by TEXT NOT NULL,
    status TEXT NOT NULL,
    files_total INTEGER NOT NULL,
    files_done INTEGER NOT NULL,
    sightings INTEGER NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX search_jobs_case ON search_jobs(case_id, created_at);
  CREATE TABLE search_files (
    evidence_id TEXT PRIMARY KEY REFERENCES evidence_files(id) ON DELETE CASCADE,
    job_id TEXT NOT NULL,
    sightings INTEGER NOT NULL,
    indexed_at TEXT NOT NULL
  );
  CREATE TABLE search_sightings (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES evidence_files(id) ON DELETE CASCADE,
    camera_id TEXT,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    best_s REAL NOT NULL,
    box TEXT NOT NULL,
    colours TEXT NOT NULL,
    thumb_blob TEXT NOT NULL,
    thumb_sha256 TEXT NOT NULL,
    thumb_bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX search_sightings_case ON search_sightings(case_id, label, score);
  CREATE INDEX search_sightings_evidence ON search_sightings(evidence_id);
  `,
  `-- 12: access requests for recorded video name the recorded window they want
  ALTER TABLE access_requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'live';
  ALTER TABLE access_requests ADD COLUMN recorded_from TEXT;
  ALTER TABLE access_requests ADD COLUMN recorded_to TEXT;
  `,
  `-- 13: audit records store their canonical leaf data; the columns queries show are generated from it
  -- Each old record's leaf is rendered once by json_array, which writes exactly what JSON.stringify
  -- wrote when the record was hashed (strings, integers and null), so old hashes still verify.
  ALTER TABLE audit_records RENAME TO audit_records_12;
  ${AUDIT_RECORDS_TABLE};
  INSERT INTO audit_records (seq, leaf, leaf_hash)
    SELECT seq, json_array(seq, id, time, actor_id, actor_name, role, action, target, outcome, source, request_id, bytes_in, bytes_out, detail), leaf_hash
    FROM audit_records_12 ORDER BY seq;
  DROP TABLE audit_records_12;
  ${AUDIT_RECORDS_INDEXES}
  `,
]
