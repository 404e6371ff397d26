/* t_list.h - the list type (t_list.c) as other modules see it: values are
 * always OBJ_ENCODING_QUICKLIST in 7.0. Included from server.h. */
#ifndef T_LIST_H
#define T_LIST_H

#include "quicklist.h"

#define LIST_HEAD 0
#define LIST_TAIL 1

robj *createQuicklistObject(void);
void freeListObject(robj *o);
robj *dupListObject(robj *o);
unsigned long listTypeLength(const robj *o);
/* Push a string/integer object at LIST_HEAD or LIST_TAIL. */
void listTypePush(robj *o, robj *value, int where);
/* Pop as a new string object (NULL if empty). */
robj *listTypePop(robj *o, int where);

/* Commands */
void lpushCommand(client *c);
void rpushCommand(client *c);
void lpushxCommand(client *c);
void rpushxCommand(client *c);
void linsertCommand(client *c);
void llenCommand(client *c);
void lindexCommand(client *c);
void lrangeCommand(client *c);
void lposCommand(client *c);
void lsetCommand(client *c);
void ltrimCommand(client *c);
void lremCommand(client *c);
void lpopCommand(client *c);
void rpopCommand(client *c);
void lmpopCommand(client *c);
void rpoplpushCommand(client *c);
void lmoveCommand(client *c);
void blpopCommand(client *c);
void brpopCommand(client *c);
void brpoplpushCommand(client *c);
void blmoveCommand(client *c);
void blmpopCommand(client *c);

#endif
