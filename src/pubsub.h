/* pubsub.h - Pub/Sub API for the rest of the server (included from
 * server.h): publishing from anywhere (PUBLISH, keyspace notifications,
 * client tracking's RESP2 redirection, later the cluster bus), and the
 * per-client cleanup networking.c runs when a client goes away. */
#ifndef PUBSUB_H
#define PUBSUB_H

/* Deliver `message` on `channel` to the local subscribers: for a classic
 * channel its SUBSCRIBE-ers and every PSUBSCRIBE-r whose pattern matches,
 * for a shard channel (sharded=1) its SSUBSCRIBE-ers only. Returns the
 * number of deliveries (a client matching through several patterns counts
 * once per pattern), which is what PUBLISH replies. The cluster bus calls
 * this for messages other nodes broadcast. */
int pubsubPublishMessage(robj *channel, robj *message, int sharded);

/* Optional (weak), for the cluster bus: send a PUBLISH (sharded=0: to
 * every node) or SPUBLISH (sharded=1: to the shard of the channel's slot)
 * over the bus. When it exists and cluster mode is on, PUBLISH/SPUBLISH
 * call it instead of propagating the command to replicas. */
void clusterPropagatePublish(robj *channel, robj *message, int sharded);

/* freeClient(): drop every subscription without replying. */
void pubsubFreeClient(client *c);

/* Subscriptions of a client (CLIENT LIST, RESP2 context rules). */
int pubsubClientSubscriptionCount(client *c);   /* channels + patterns */

#endif
