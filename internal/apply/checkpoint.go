package apply

import (
	"context"
	"fmt"
	"slices"

	"github.com/oktasync/oktasync/internal/state"
)

// maxBatch is the most outcomes written in one RecordOperations call.
const maxBatch = 100

// outcomeWriter is the part of Checkpoints the recorder uses.
type outcomeWriter interface {
	RecordOperations(ctx context.Context, recs []state.OpRecord) error
}

// recorder is the single writer of outcome checkpoints. It takes records
// from a queue and writes them in batches: whatever has queued up by the time
// it is free, up to maxBatch at a time.
type recorder struct {
	cp     outcomeWriter
	queue  chan state.OpRecord
	failed chan struct{} // closed when a write fails
	done   chan struct{} // closed when every queued record is handled
	err    error         // the first write error; read after done
}

func newRecorder(cp outcomeWriter) *recorder {
	return &recorder{
		cp:     cp,
		queue:  make(chan state.OpRecord, 4*maxBatch),
		failed: make(chan struct{}),
		done:   make(chan struct{}),
	}
}

// run writes batches until the queue is closed and drained. After a failed
// write it keeps draining the queue, so senders never block, but writes no
// more.
func (r *recorder) run(ctx context.Context) {
	defer close(r.done)
	batch := make([]state.OpRecord, 0, maxBatch)
	for rec := range r.queue {
		batch = append(batch[:0], rec)
	fill:
		for len(batch) < maxBatch {
			select {
			case rec, ok := <-r.queue:
				if !ok {
					break fill
				}
				batch = append(batch, rec)
			default:
				break fill
			}
		}
		if r.err != nil {
			continue
		}
		if err := r.cp.RecordOperations(ctx, slices.Clone(batch)); err != nil {
			r.err = fmt.Errorf("record %d operation outcomes from seq %d: %w", len(batch), batch[0].Seq, err)
			close(r.failed)
		}
	}
}

// close ends the queue and waits until every record is written; it returns
// the first write error.
func (r *recorder) close() error {
	close(r.queue)
	<-r.done
	return r.err
}
