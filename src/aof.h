/* aof.h - the append only file, multi-part as Redis 7.0 lays it out.
 *
 * Inside `appenddirname`: a base file (<appendfilename>.<seq>.base.rdb when
 * aof-use-rdb-preamble yes, else .base.aof with commands), incr files
 * (<appendfilename>.<seq>.incr.aof) with the commands since, and the
 * manifest <appendfilename>.manifest listing them, one line each:
 *     file <name> seq <n> type <b|h|i>
 * (b base, i incr, h history: replaced, deleted unless aof-disable-auto-gc).
 * A rewrite opens a new incr file at once and the child writes a new base
 * from the dataset, so no rewrite buffer is needed.
 */
#ifndef AOF_H
#define AOF_H

#include "server.h"

#define AOF_OFF 0
#define AOF_ON 1
#define AOF_WAIT_REWRITE 2  /* turned on: the first rewrite makes the base */

#define AOF_OK 0
#define AOF_NOT_EXIST 1
#define AOF_EMPTY 2
#define AOF_OPEN_ERR 3
#define AOF_FAILED 4
#define AOF_TRUNCATED 5

void feedAppendOnlyFile(int dictid, robj **argv, int argc);
void flushAppendOnlyFile(int force);
int loadAppendOnlyFiles(void);          /* AOF_* */
void aofOpenIfNeededOnServerStart(void);
void loadAppendOnlyFilesOnStart(void);
int rewriteAppendOnlyFileBackground(void);
void backgroundRewriteDoneHandler(int exitcode, int bysignal);
void aofCron(void);
int aofShutdown(int force);   /* kill a rewrite child, fsync; C_ERR: initial AOF unwritten */
void aofStopBeforeSync(void);  /* replica.c: a full sync replaces the data */
void aofRestartAfterSync(void);
int aofApplyAppendonlyConfig(void);      /* CONFIG SET appendonly: C_OK/C_ERR */
sds aofGenInfoFields(sds info);
int aofIsOn(void);
sds aofWriteErrorReply(void);          /* MISCONF text while AOF writes fail */
void bgrewriteaofCommand(client *c);
void debugLoadaofCommand(client *c);

/* aof_rewrite.c: the dataset as commands (the base file without the RDB
 * preamble), as stock 7.0 writes it; C_OK or C_ERR. */
struct rio;
int rewriteAppendOnlyFileRio(struct rio *r);
/* RESP building blocks: "*<n>\r\n" (prefix '*') and bulk strings; 1 on
 * success. */
int rioWriteBulkCount(struct rio *r, char prefix, long count);
int rioWriteBulkString(struct rio *r, const char *p, size_t len);
int rioWriteBulkLongLong(struct rio *r, long long v);
int rioWriteBulkObject(struct rio *r, robj *o);

/* propagate.c: the stream of effects for the AOF and replicas. */
void propagatePendingCommands(void);
void replicationFeedReplicas(int dictid, robj **argv, int argc); /* weak */
int replicationHasFeedTargets(void);                              /* weak */

#endif
