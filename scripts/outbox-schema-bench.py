# The SQLite outbox store's delivery transactions, replayed in Python's sqlite3 on the store's schema, to
# compare schema variants before changing the Swift store (issue 14). 20,000 pending messages over 64
# keys; each transaction marks 18 delivered (as `triage bench outbox`'s HTTP run does) and claims as many
# heads; prints CPU per message and per statement kind per transaction.
#
#   python3 scripts/outbox-schema-bench.py VARIANT      # VARIANT: letters from the list below, or "base"
#
#   A  no attempt row for a successful delivery (derivable from the message row: attempts, finished_at)
#   S  no `outbox_state` index (a partial index of dead letters instead)
#   H  a `head` column kept on each key's first unfinished message, claims from partial indexes
#      `outbox_due (next_attempt_at) WHERE head = 1 AND state = 0` and `outbox_leased (lease_until)
#      WHERE state = 1` instead of the pass over every key's head (needs S: with `outbox_state` present
#      SQLite picks it for `state = 1` and the claim is 8x slower)
#   X  no `outbox_active` index (usage and stats from counter rows instead)
#   C  a counter row updated per transaction
#   W  WITHOUT ROWID
import sqlite3, os, time, random, sys
variant = sys.argv[1]
N=20000; KEYS=64; MARKS=18
path='/tmp/outbox-schema-%s.db'%variant
for f in [path, path+'-wal', path+'-shm']:
    if os.path.exists(f): os.remove(f)
db=sqlite3.connect(path, isolation_level=None)
db.execute('PRAGMA journal_mode=WAL'); db.execute('PRAGMA synchronous=NORMAL'); db.execute('PRAGMA temp_store=MEMORY')
db.execute("CREATE TABLE outbox_keys (key TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)")
db.execute("""CREATE TABLE outbox_messages (id TEXT PRIMARY KEY, key TEXT NOT NULL, seq INTEGER NOT NULL, destination TEXT NOT NULL,
 payload BLOB NOT NULL, payload_size INTEGER NOT NULL, idempotency_key TEXT NOT NULL, header_count INTEGER NOT NULL,
 created_at INTEGER NOT NULL, expires_at INTEGER, state INTEGER NOT NULL DEFAULT 0, claim TEXT, lease_until INTEGER,
 next_attempt_at INTEGER NOT NULL, named_delay INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
 consecutive_failures INTEGER NOT NULL DEFAULT 0, dead_kind TEXT, dead_status INTEGER, dead_reason TEXT, finished_at INTEGER, head INTEGER NOT NULL DEFAULT 0,
 UNIQUE (key, seq))""" + (" WITHOUT ROWID" if 'W' in variant else ""))
if "X" not in variant: db.execute("CREATE INDEX outbox_active ON outbox_messages (key, seq) WHERE state < 2")
if 'S' not in variant: db.execute("CREATE INDEX outbox_state ON outbox_messages (state)")
else: db.execute("CREATE INDEX outbox_dead ON outbox_messages (key, seq) WHERE state = 3")
if 'H' in variant:
    db.execute("CREATE INDEX outbox_due ON outbox_messages (next_attempt_at) WHERE head = 1 AND state = 0")
    db.execute("CREATE INDEX outbox_leased ON outbox_messages (lease_until) WHERE state = 1")
db.execute("CREATE TABLE outbox_attempts (message_id TEXT NOT NULL, number INTEGER NOT NULL, at INTEGER NOT NULL, kind TEXT, delivery TEXT NOT NULL, status INTEGER, delay_ms INTEGER, PRIMARY KEY (message_id, number))")
db.execute("CREATE TABLE outbox_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
db.execute("INSERT INTO outbox_counters VALUES ('delivered_pruned',0),('delivered',0)")
db.execute('BEGIN')
seqs={}
for i in range(N):
    k='key-%d'%(i%KEYS); s=seqs.get(k,0)+1; seqs[k]=s
    mid='%016x%016x'%((1700000000000+i//50)<<16|i, random.getrandbits(64))
    db.execute("INSERT INTO outbox_messages (id,key,seq,destination,payload,payload_size,idempotency_key,header_count,created_at,next_attempt_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
      (mid,k,s,'http://127.0.0.1:1/x',os.urandom(64),64,mid,0,1,1))
for k,s in seqs.items(): db.execute("INSERT INTO outbox_keys VALUES (?,?)",(k,s))
db.execute("UPDATE outbox_messages SET head = 1 WHERE seq = 1")
db.execute('COMMIT')
heads="""SELECT m.* FROM outbox_keys k CROSS JOIN outbox_messages m ON m.key = k.key
 AND m.seq = (SELECT MIN(a.seq) FROM outbox_messages a WHERE a.key = k.key AND a.state < 2)"""
claimsql=f"""UPDATE outbox_messages SET state = 1, claim = ?1, lease_until = ?2 WHERE id IN (
 SELECT id FROM ({heads}) WHERE (state = 0 AND next_attempt_at <= ?3) OR (state = 1 AND lease_until <= ?3)
 ORDER BY next_attempt_at, seq LIMIT ?4) RETURNING id"""
db.execute('BEGIN'); 
if 'H' in variant:
    claimsql='''UPDATE outbox_messages SET state = 1, claim = ?1, lease_until = ?2 WHERE id IN (
      SELECT id FROM (SELECT id, next_attempt_at, seq FROM (SELECT id, next_attempt_at, seq FROM outbox_messages WHERE head = 1 AND state = 0 AND next_attempt_at <= ?3 ORDER BY next_attempt_at LIMIT ?4)
        UNION ALL SELECT id, next_attempt_at, seq FROM (SELECT id, next_attempt_at, seq FROM outbox_messages WHERE state = 1 AND lease_until <= ?3 ORDER BY lease_until LIMIT ?4))
      ORDER BY next_attempt_at, seq LIMIT ?4) RETURNING id'''
inflight=[r[0] for r in db.execute(claimsql,('me',10**12,10,MARKS*2)).fetchall()]
db.execute('COMMIT')
t={'claim':0,'mark':0,'att':0,'commit':0,'cnt':0}
start=time.process_time(); delivered=0; tx=0
while inflight:
    batch=inflight[:MARKS]; rest=inflight[MARKS:]
    c0=time.process_time(); db.execute('BEGIN IMMEDIATE')
    vals=','.join(['(?,?,?,?)']*len(batch)); binds=[]
    for m in batch: binds += [m,1,5,'me']
    rows=db.execute(f"""UPDATE outbox_messages SET state = 2, claim = NULL, lease_until = NULL, payload = x'', attempts = v.column2,
       consecutive_failures = 0, finished_at = v.column3 FROM (VALUES {vals}) AS v
       WHERE outbox_messages.id = v.column1 AND outbox_messages.claim = v.column4 AND outbox_messages.state = 1 RETURNING id, key, seq""", binds).fetchall()
    if 'H' in variant:
        vals=','.join(['(?,?)']*len(rows)); binds=[]
        for (m,k,sq) in rows: binds += [k,sq+1]
        db.execute(f"UPDATE outbox_messages SET head = 1 FROM (VALUES {vals}) AS v WHERE outbox_messages.key = v.column1 AND outbox_messages.seq = v.column2", binds)
    rows=[(r[0],) for r in rows]
    c1=time.process_time(); t['mark']+=c1-c0
    if 'A' not in variant:
        vals=','.join(['(?,?,?,?,?,?,?)']*len(rows)); binds=[]
        for (m,) in rows: binds += [m,1,5,None,'processed',None,None]
        db.execute(f"INSERT OR REPLACE INTO outbox_attempts VALUES {vals}", binds)
    c2=time.process_time(); t['att']+=c2-c1
    if 'C' in variant: db.execute("UPDATE outbox_counters SET value = value + ? WHERE name='delivered'",(len(rows),))
    c3=time.process_time(); t['cnt']+=c3-c2
    new=[r[0] for r in db.execute(claimsql,('me',10**12,10,len(batch))).fetchall()]
    c4=time.process_time(); t['claim']+=c4-c3
    db.execute('COMMIT'); c5=time.process_time(); t['commit']+=c5-c4
    inflight=rest+new; delivered+=len(rows); tx+=1
el=time.process_time()-start
print(variant, 'delivered',delivered,'tx',tx,'us/msg %.1f'%(el/delivered*1e6), ' '.join('%s %.0f us/tx'%(k,v/tx*1e6) for k,v in t.items()))
