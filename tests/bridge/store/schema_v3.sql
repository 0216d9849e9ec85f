-- The tables as gcaldav with schema 3 created them on SQLite (frozen: never edit).

CREATE TABLE channels (
	id VARCHAR(64) NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	account_id INTEGER NOT NULL, 
	calendar_id INTEGER, 
	resource_id VARCHAR(255), 
	address TEXT NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	created FLOAT NOT NULL, 
	expiration FLOAT NOT NULL, 
	confirmed FLOAT, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_channels_resource ON channels (kind, account_id, calendar_id);

CREATE TABLE meta (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE users (
	id INTEGER NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE accounts (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	credentials_path TEXT NOT NULL, 
	subject VARCHAR(320), 
	list_synced FLOAT NOT NULL, 
	last_error TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (user_id, email), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE calendars (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	google_id VARCHAR(1024) NOT NULL, 
	slug VARCHAR(255) NOT NULL, 
	summary TEXT NOT NULL, 
	summary_override TEXT, 
	description TEXT NOT NULL, 
	time_zone VARCHAR(64) NOT NULL, 
	color VARCHAR(16), 
	access_role VARCHAR(32) NOT NULL, 
	default_reminders TEXT NOT NULL, 
	sync_token TEXT, 
	epoch VARCHAR(16) NOT NULL, 
	revision INTEGER NOT NULL, 
	min_revision INTEGER NOT NULL, 
	last_sync FLOAT NOT NULL, 
	last_modified FLOAT NOT NULL, 
	last_error TEXT, 
	deleted BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id, google_id), 
	UNIQUE (user_id, slug), 
	FOREIGN KEY(account_id) REFERENCES accounts (id) ON DELETE CASCADE, 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE google_events (
	calendar_id INTEGER NOT NULL, 
	event_id VARCHAR(1100) NOT NULL, 
	uid TEXT NOT NULL, 
	etag VARCHAR(64) NOT NULL, 
	data TEXT NOT NULL, 
	PRIMARY KEY (calendar_id, event_id), 
	FOREIGN KEY(calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);

CREATE INDEX ix_google_events_uid ON google_events (calendar_id, uid);

CREATE TABLE items (
	id INTEGER NOT NULL, 
	calendar_id INTEGER NOT NULL, 
	href VARCHAR(1100) NOT NULL, 
	uid TEXT NOT NULL, 
	text TEXT, 
	etag VARCHAR(80), 
	start INTEGER NOT NULL, 
	"end" INTEGER NOT NULL, 
	recurring BOOLEAN NOT NULL, 
	revision INTEGER NOT NULL, 
	deleted BOOLEAN NOT NULL, 
	last_modified FLOAT NOT NULL, 
	indexed_from INTEGER NOT NULL, 
	indexed_until INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (calendar_id, href), 
	FOREIGN KEY(calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);

CREATE INDEX ix_items_range ON items (calendar_id, start, "end");

CREATE INDEX ix_items_revision ON items (calendar_id, revision);

CREATE INDEX ix_items_uid ON items (calendar_id, uid);

CREATE TABLE occurrences (
	id INTEGER NOT NULL, 
	calendar_id INTEGER NOT NULL, 
	href VARCHAR(1100) NOT NULL, 
	start INTEGER NOT NULL, 
	"end" INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);

CREATE INDEX ix_occurrences_href ON occurrences (calendar_id, href);

CREATE INDEX ix_occurrences_range ON occurrences (calendar_id, start, "end");

CREATE TABLE shadows (
	calendar_id INTEGER NOT NULL, 
	uid VARCHAR(1100) NOT NULL, 
	data TEXT NOT NULL, 
	PRIMARY KEY (calendar_id, uid), 
	FOREIGN KEY(calendar_id) REFERENCES calendars (id) ON DELETE CASCADE
);
