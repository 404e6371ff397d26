/* t_hash.h - the hash type API (t_hash.c), for the commands and for the
 * modules that create or walk hashes (COPY, persistence, digests).
 *
 * A hash is a listpack of alternating field, value entries while small
 * (OBJ_ENCODING_LISTPACK), else a dict sds -> sds (OBJ_ENCODING_HT); see
 * hash-max-listpack-entries / hash-max-listpack-value.
 */
#ifndef T_HASH_H
#define T_HASH_H

/* Iterator over either encoding. Field and value are read as byte views
 * valid until the next step (integers are rendered into the buffers). */
typedef struct {
    robj *subject;
    unsigned char *fptr, *vptr;   /* listpack position */
    dictIterator *di;             /* hashtable position */
    dictEntry *de;
    unsigned char fbuf[21], vbuf[21];
} hashTypeIterator;

robj *createHashObject(void);
void freeHashObject(robj *o);
robj *hashTypeDup(robj *o);
unsigned long hashTypeLength(const robj *o);
void hashTypeConvert(robj *o, int encoding);
int hashTypeSet(robj *o, const char *field, size_t flen, const char *value, size_t vlen);
int hashTypeSetMoved(robj *o, sds field, sds value); /* HT only; takes both */
int hashTypeDelete(robj *o, const char *field, size_t flen);
const char *hashTypeGetValue(robj *o, const char *field, size_t flen, size_t *vlen,
                             unsigned char *buf);
void hashTypeInitIterator(robj *o, hashTypeIterator *it);
int hashTypeNext(hashTypeIterator *it);
const char *hashTypeIterField(hashTypeIterator *it, size_t *len);
const char *hashTypeIterValue(hashTypeIterator *it, size_t *len);
void hashTypeReleaseIterator(hashTypeIterator *it);
/* RESTORE / RDB: is an untrusted hash (or zset) listpack well formed? */
int listpackPairsValidateIntegrity(unsigned char *lp, size_t size, int deep);
unsigned long hashScanCollect(robj *o, unsigned long cursor, long count, list *out);

#endif
