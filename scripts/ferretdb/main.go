// Command ferretdb runs FerretDB v1.24.2 embedded, with its SQLite backend.
//
// We embed the library instead of `go install`ing FerretDB's own command because that
// binary panics on a version file only its release build provides; embedded mode also
// turns telemetry off, so nothing here reaches for the internet.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data", ".data/ferretdb", "directory for the SQLite databases")
	flag.Parse()

	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: cannot create %s: %v\n", *dataDir, err)
		os.Exit(1)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		// WAL with synchronous=NORMAL: a commit is safe from a crash of this process (or of any
		// process) and syncs at checkpoints, not at every commit; only losing the machine's power can
		// lose the last moments of writes, as a standalone MongoDB's journal (flushed every 100 ms by
		// default) can. Syncing every commit made each write wait for the disk.
		SQLiteURL: "file:" + *dataDir + "/?_pragma=synchronous(normal)",
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Printf("ferretdb listening on %s\n", f.MongoDBURI())
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}
