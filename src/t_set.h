/* t_set.h - the SET type's API for other modules (RDB, SORT, COPY, ...).
 *
 * A set value is an robj of type OBJ_SET in one of two encodings:
 *   OBJ_ENCODING_INTSET  an intset (all members are integers and there are
 *                        at most set-max-intset-entries of them)
 *   OBJ_ENCODING_HT      a dict of sds members with NULL values
 * Conversion is one way (intset -> hashtable), as in Redis 7.0.
 * Included from server.h. */
#ifndef T_SET_H
#define T_SET_H

#include "intset.h"

robj *createSetObject(void);      /* empty, hashtable encoded */
robj *createIntsetObject(void);   /* empty, intset encoded */
void freeSetObject(robj *o);      /* object.c's destructor switch */
/* An empty set whose encoding suits a first member `value`. */
robj *setTypeCreate(sds value);
int setTypeAdd(robj *set, sds value);      /* 1 if added */
int setTypeAddMoved(robj *set, sds value, unsigned long expected); /* takes `value` */
int setTypeRemove(robj *set, sds value);   /* 1 if removed */
int setTypeIsMember(robj *set, sds value);
unsigned long setTypeSize(const robj *set);
void setTypeConvert(robj *set, int encoding);
robj *setTypeDup(robj *set);               /* deep copy (COPY) */

/* Iteration: setTypeNext returns the encoding of the member it produced
 * (an sds owned by the set for OBJ_ENCODING_HT, an integer for
 * OBJ_ENCODING_INTSET) or -1 at the end. */
typedef struct setTypeIterator {
    robj *subject;
    int encoding;
    uint32_t pos;          /* intset */
    dictIterator *di;      /* hashtable */
} setTypeIterator;
setTypeIterator *setTypeInitIterator(robj *set);
void setTypeReleaseIterator(setTypeIterator *si);
int setTypeNext(setTypeIterator *si, sds *sdsele, int64_t *llele);
sds setTypeNextObject(setTypeIterator *si);  /* a new sds, or NULL */
/* A random member, same conventions as setTypeNext. */
int setTypeRandomElement(robj *set, sds *sdsele, int64_t *llele);

/* SSCAN's collection step (db_cmds.c's scan engine calls it). */
unsigned long setScanCollect(robj *o, unsigned long cursor, long count, list *out);

#endif
