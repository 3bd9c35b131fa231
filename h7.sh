#!/bin/sh
cat >/dev/null
echo "$(date +%s.%N) $TRIAGE_OBJECT_NAME cause=$TRIAGE_CAUSE retry=$TRIAGE_RETRY started=$TRIAGE_STARTED" >> /tmp/contract/h7.log
[ "$TRIAGE_CAUSE" = resume ] && exit 0
sleep 6
