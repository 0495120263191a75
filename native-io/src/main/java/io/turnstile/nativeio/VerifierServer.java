package io.turnstile.nativeio;

import io.turnstile.cookie.CookieCheck;
import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.MacAlgorithm;
import io.turnstile.verifier.ClientHelloVerifier;
import io.turnstile.status.CounterTypes;
import io.turnstile.verifier.DropReason;
import io.turnstile.verifier.VerifierCounters;
import io.turnstile.nativeio.xdp.RxQueueSteering;
import io.turnstile.nativeio.xdp.XdpBatchSocket;
import io.turnstile.nativeio.xdp.XdpCounter;
import io.turnstile.nativeio.xdp.XdpFilter;
import io.turnstile.nativeio.xdp.XdpWorkerSocket;
import io.turnstile.nativeio.xdp.XskCounter;
import org.agrona.BufferUtil;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.agrona.concurrent.errors.ErrorConsumer;
import org.agrona.concurrent.errors.ErrorLogReader;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import static org.agrona.BitUtil.CACHE_LINE_LENGTH;

/**
 * The multi-core verifier: N {@link VerifierAgent} workers, each on its own thread with its own SO_REUSEPORT socket
 * and its own {@link ClientHelloVerifier} (verifiers are not thread safe), all sharing one {@link CookieKeys}, so a
 * cookie made by one worker verifies on any other (the kernel may hash the cookie hello to a different socket).
 * <pre>
 *   start():   worker 0 binds HOST:PORT (PORT 0: the kernel picks one, learnt from its socket)
 *              workers 1..N-1 bind HOST:that port, SO_REUSEPORT: the kernel spreads peers over the sockets
 *              returns once every socket is bound, or throws the first bind error
 *   running:   each worker: recvmmsg -> verify -> sendmmsg, counters published once per batch
 *   snapshot:  any thread sums the workers' counters (off-heap, in a {@link CountersManager})
 *   close():   workers stop, sockets close on their threads, counter memory is freed
 * </pre>
 * The counters are one family, each kind with its {@link CounterTypes} type ids: per worker its
 * {@link WorkerCounter}s and its verifier's {@link VerifierCounters} (totals, drop reasons, cookie checks), both
 * published once per batch, plus the server's error count. With {@link Context#countersDirectory(Path)} they live in
 * a {@link CountersFile} that another process maps read-only ({@code turnstile stat}); without, in direct memory.
 * Where the native socket is unavailable the workers use NIO ({@link BatchSockets#open}), and say so once.
 * <p>
 * With {@link Context#xdpInterface(String)}, {@link #start()} first loads and attaches the DTLS XDP program
 * ({@link XdpFilter}) to the device, then worker i opens an {@link XdpWorkerSocket}: the AF_XDP socket of RX queue i,
 * registered in the program's XSKMAP, plus the SO_REUSEPORT kernel socket for what the program passes; the workers
 * bind one after the other and {@link RxQueueSteering} makes the kernel pick worker i's kernel socket for a datagram
 * of RX queue i, so a peer verified through AF_XDP finds its session when its handshake arrives. Each worker
 * adds its {@link XskCounter}s; the program's per-verdict counts are copied into server-wide counters (type ids
 * {@code XDP_FIRST + 50 + id}) on each {@link #snapshot}, on each {@link #counterValue} of one of them, and at close.
 * {@link #close()} detaches the program after the workers stopped (the attachment is a link fd, so it also goes when
 * the process dies).
 * <p>
 * <b>Note:</b> workers idle with the {@link Context#idleStrategy(Supplier)} strategy, by default a
 * {@link SocketIdleStrategy}: after a few empty cycles the worker sleeps in {@code poll(2)} on its socket, so a quiet
 * server costs next to no CPU and the kernel wakes the worker as the next datagram arrives. Work that does not come
 * through the socket (replies another thread queued in the outbox, a shared agent's timers) waits up to 1 ms then.
 */
public final class VerifierServer implements AutoCloseable
{
    /** How long {@link #start()} waits for each worker's socket. */
    public static final long BIND_TIMEOUT_MS = 10_000;
    /** Type id of the server's error counter. */
    public static final int ERRORS_TYPE_ID = CounterTypes.ERRORS;
    /** Bytes of the distinct error log: room for a few dozen distinct stack traces. */
    public static final int ERROR_LOG_BYTES = 64 * 1024;
    /** Offset in the XDP kind of the program's verdict counters: the socket counters ({@link XskCounter}) come first. */
    public static final int XDP_PROGRAM_OFFSET = 50;

    private enum State
    {
        NEW, STARTED, CLOSED
    }

    private final Context context;
    private final ByteBuffer metadataMemory;
    private final ByteBuffer valuesMemory;
    private final CountersFile countersFile;
    private final CountersManager countersManager;
    private final AtomicCounter errors;
    private final Worker[] workers;
    private final Snapshot finalCounts = new Snapshot();
    private long[] finalValues;
    // Not freed with the counters: the summary written after close still reads it (the GC frees it with the server).
    // Direct and aligned, as DistinctErrorLog's atomic updates want.
    private final UnsafeBuffer errorLogBuffer =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(ERROR_LOG_BYTES, CACHE_LINE_LENGTH));
    private final DistinctErrorLog errorLog = new DistinctErrorLog(errorLogBuffer, SystemEpochClock.INSTANCE);

    private State state = State.NEW;
    private volatile int localPort = -1;
    private volatile XdpFilter xdpFilter;
    private final AtomicCounter[] xdpProgramCounters;

    /**
     * A server, not yet started: the workers' agents are built (calling the configurators) but nothing is bound.
     *
     * @param context configuration, concluded here.
     */
    public VerifierServer(final Context context)
    {
        this.context = context.conclude();
        final int workerCount = context.workers();
        final boolean xdp = null != context.xdpInterface();
        final int counterCount = workerCount * (WorkerCounter.values().length + VerifierCounters.LENGTH +
            DemuxCounters.LENGTH + (xdp ? XskCounter.values().length : 0)) + (xdp ? XdpCounter.COUNT : 0) +
            context.spareCounters() + 1;
        if (null != context.countersDirectory())
        {
            this.countersFile = CountersFile.create(context.countersDirectory(), counterCount);
            this.countersManager = countersFile.countersManager();
            this.valuesMemory = null;
            this.metadataMemory = null;
        }
        else
        {
            this.countersFile = null;
            this.valuesMemory = ByteBuffer.allocateDirect(counterCount * CountersReader.COUNTER_LENGTH);
            this.metadataMemory = ByteBuffer.allocateDirect(counterCount * CountersReader.METADATA_LENGTH);
            this.countersManager =
                new CountersManager(new UnsafeBuffer(metadataMemory), new UnsafeBuffer(valuesMemory));
        }
        this.errors = CounterTypes.newCounter(countersManager, ERRORS_TYPE_ID, "worker errors", CounterTypes.SERVER_WIDE);
        this.xdpProgramCounters = xdp ? new AtomicCounter[XdpCounter.COUNT] : null;
        if (xdp)
        {
            for (final XdpCounter counter : XdpCounter.values())
            {
                xdpProgramCounters[counter.id()] = CounterTypes.newCounter(countersManager,
                    xdpProgramTypeId(counter), "XDP program " + counter.label(), CounterTypes.SERVER_WIDE);
            }
        }
        this.workers = new Worker[workerCount];
        try
        {
            for (int i = 0; i < workerCount; i++)
            {
                workers[i] = new Worker(i);
            }
        }
        catch (final RuntimeException ex)
        {
            freeMemory();
            throw ex;
        }
    }

    /**
     * Bind every worker's socket and start the workers.
     *
     * @return this.
     * @throws IllegalStateException when already started or closed, or when a socket cannot be bound (the message
     *                               names the address, the port and the error); the server is closed then.
     */
    public VerifierServer start()
    {
        synchronized (this)
        {
            if (state != State.NEW)
            {
                throw new IllegalStateException("server was already " + (state == State.STARTED ? "started" : "closed"));
            }
            state = State.STARTED;
        }
        try
        {
            if (null != context.xdpInterface())
            {
                // Before any socket: a missing privilege or kernel feature fails here, naming it, with nothing bound.
                xdpFilter = openXdpFilter();
            }
            workers[0].start();
            localPort = workers[0].awaitBound(context.port());
            if (null != context.xdpInterface())
            {
                // One at a time: the reuseport group's order is the binding order, which the RX queue steering
                // program (worker i's kernel socket for queue i) relies on.
                for (int i = 1; i < workers.length; i++)
                {
                    workers[i].start();
                    workers[i].awaitBound(localPort);
                }
            }
            else
            {
                for (int i = 1; i < workers.length; i++)
                {
                    workers[i].start();
                }
                for (int i = 1; i < workers.length; i++)
                {
                    workers[i].awaitBound(localPort);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
        return this;
    }

    private XdpFilter openXdpFilter()
    {
        final String device = context.xdpInterface();
        XdpFilter filter = null;
        try
        {
            filter = XdpFilter.open(context.xdpFilter());
            return filter.attach(device);
        }
        catch (final RuntimeException ex)
        {
            if (null != filter)
            {
                filter.close();
            }
            // A start failure like a bind error: the caller reports it as such (serve exits 2 with this message).
            throw new IllegalStateException("cannot attach the XDP program to " + device + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * The port every worker is bound to, to learn an ephemeral one.
     *
     * @return the port, or -1 before {@link #start()} has bound it.
     */
    public int localPort()
    {
        return localPort;
    }

    /**
     * The bound address and port.
     *
     * @return the local socket address; port -1 before {@link #start()}.
     */
    public InetSocketAddress localAddress()
    {
        return new InetSocketAddress(context.bindAddress(), Math.max(localPort, 0));
    }

    /**
     * Number of workers.
     *
     * @return workers, each a thread and a socket.
     */
    public int workerCount()
    {
        return workers.length;
    }

    /**
     * Whether the workers use the recvmmsg/sendmmsg socket rather than NIO.
     *
     * @return true when every bound worker's socket is native; false before {@link #start()}.
     */
    public boolean isNative()
    {
        for (final Worker worker : workers)
        {
            if (!worker.isNative)
            {
                return false;
            }
        }
        return localPort >= 0;
    }

    /**
     * The worker's agent, e.g. to read its socket once started.
     *
     * @param workerId 0 to {@link #workerCount()} - 1.
     * @return the agent.
     */
    public VerifierAgent agent(final int workerId)
    {
        return workers[workerId].agent;
    }

    /**
     * The counters, for a monitor that reads them by type id and label.
     * <p>
     * <b>Note:</b> backed by memory {@link #close()} frees: do not read it after close.
     *
     * @return the reader.
     */
    public CountersReader countersReader()
    {
        return countersManager;
    }

    /**
     * One counter's value, safe to call at any time from any thread: after {@link #close()} it is the value the
     * counter had when the workers stopped, where {@link #countersReader()} would read freed memory. For monitors
     * that keep polling, e.g. a metrics registry. One of the XDP program's verdict counters (type id
     * {@link #xdpProgramTypeId(XdpCounter)}) is read from the kernel first (one {@code bpf(2)} call) and copied into
     * the counters, so a registry that scrapes without {@link #snapshot} sees it current.
     *
     * @param counterId as {@link CountersReader#forEach(CountersReader.MetaData)} gives it.
     * @return the value.
     */
    public synchronized long counterValue(final int counterId)
    {
        if (state == State.CLOSED)
        {
            return null == finalValues || counterId >= finalValues.length ? 0 : finalValues[counterId];
        }
        refreshXdpProgramCounter(counterId);
        return countersManager.getCounterValue(counterId);
    }

    /**
     * The directory of the counters file another process can map, e.g. with {@code turnstile stat --dir}.
     *
     * @return the directory, or null when the counters are in direct memory.
     */
    public Path countersDirectory()
    {
        return null == countersFile ? null : countersFile.directory();
    }

    /**
     * The counters manager, so an {@link Context#agentConfigurator(BiConsumer)} can allocate counters of its own next
     * to the workers' (up to {@link Context#spareCounters(int)} of them): the hook for the session/echo kind, whose
     * counters go through {@link CounterTypes#newCounter} with the {@code CounterTypes.SESSION_*} ids so that
     * {@code turnstile stat} and the Micrometer binder show them.
     *
     * @return the manager.
     */
    public CountersManager countersManager()
    {
        return countersManager;
    }

    /**
     * Sum every worker's counters into a holder, from any thread. After {@link #close()} it gives the counts as they
     * stood when the last worker stopped, so a summary written after close misses nothing the workers did.
     *
     * @param into holder reused from call to call.
     * @return into.
     */
    public synchronized Snapshot snapshot(final Snapshot into)
    {
        if (state == State.CLOSED)
        {
            into.copyFrom(finalCounts);
            return into;
        }
        refreshXdpProgramCounters();
        return sum(into);
    }

    /**
     * The type id of the server-wide counter holding one of the XDP program's verdict counts.
     *
     * @param counter the verdict.
     * @return {@code CounterTypes.XDP_FIRST + 50 + counter.id()}.
     */
    public static int xdpProgramTypeId(final XdpCounter counter)
    {
        return CounterTypes.XDP_FIRST + XDP_PROGRAM_OFFSET + counter.id();
    }

    private void refreshXdpProgramCounters()
    {
        final XdpFilter filter = xdpFilter;
        if (null != filter && null != xdpProgramCounters)
        {
            // A bpf(2) map lookup per verdict: once a second from the stats thread, never on a worker.
            for (final XdpCounter counter : XdpCounter.values())
            {
                xdpProgramCounters[counter.id()].setRelease(filter.counters().get(counter));
            }
        }
    }

    private void refreshXdpProgramCounter(final int counterId)
    {
        final XdpFilter filter = xdpFilter;
        if (null != filter && null != xdpProgramCounters)
        {
            for (final XdpCounter counter : XdpCounter.values())
            {
                final AtomicCounter programCounter = xdpProgramCounters[counter.id()];
                if (programCounter.id() == counterId)
                {
                    programCounter.setRelease(filter.counters().get(counter));
                    return;
                }
            }
        }
    }

    private Snapshot sum(final Snapshot into)
    {
        return into.sum(countersManager);
    }

    /**
     * Stop the workers (each closes its socket on its own thread), then free the counters' memory. Idempotent.
     */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (state == State.CLOSED)
            {
                return;
            }
            state = State.CLOSED;
            try
            {
                for (final Worker worker : workers)
                {
                    if (null != worker)
                    {
                        worker.runner.close();
                    }
                }
                final XdpFilter filter = xdpFilter;
                if (null != filter)
                {
                    try
                    {
                        refreshXdpProgramCounters();
                    }
                    finally
                    {
                        xdpFilter = null;
                        filter.close();
                    }
                }
                if (null != workers[workers.length - 1])
                {
                    // Every worker has stopped: these counts are final, and the counters' memory is freed next.
                    sum(finalCounts);
                    finalValues = new long[countersManager.maxCounterId() + 1];
                    for (int id = 0; id < finalValues.length; id++)
                    {
                        finalValues[id] = countersManager.getCounterValue(id);
                    }
                }
            }
            finally
            {
                freeMemory();
            }
        }
    }

    /**
     * Every distinct error the workers hit (same type, message and stack), each with how often it was seen, from
     * Agrona's {@link DistinctErrorLog}: a worker whose socket broke fails every cycle, and this keeps one record of
     * it with a count rather than one line per failure. Readable after {@link #close()}.
     *
     * @param consumer told of each distinct error: observation count, first and last time (epoch ms), and the
     *                 encoded exception (its stack trace as text).
     * @return how many distinct errors there are; at most what {@value #ERROR_LOG_BYTES} bytes hold.
     */
    public int readErrors(final ErrorConsumer consumer)
    {
        return ErrorLogReader.read(errorLogBuffer, consumer);
    }

    /**
     * Whether {@link #close()} has run.
     *
     * @return true once closed.
     */
    public synchronized boolean isClosed()
    {
        return state == State.CLOSED;
    }

    private void freeMemory()
    {
        if (null != countersFile)
        {
            countersFile.close();
        }
        else
        {
            BufferUtil.free(metadataMemory);
            BufferUtil.free(valuesMemory);
        }
    }

    /**
     * One worker: its counters, agent, runner, and how its bind went.
     */
    private final class Worker
    {
        private final int id;
        private final AtomicCounter[] counters;
        private final BatchSocket.Context socketContext;
        private final AtomicCounter[] xskCounters;
        private final boolean demuxing;
        private final VerifierAgent agent;
        private final AgentRunner runner;
        private final CountDownLatch bound = new CountDownLatch(1);
        private volatile Throwable startFailure;
        private volatile int port = -1;
        private volatile boolean isNative;

        Worker(final int id)
        {
            this.id = id;
            this.counters = WorkerCounter.allocate(countersManager, id);
            // A copy of the server's socket template, made now rather than when the worker opens its socket, so the
            // agent knows its slot size before anything starts (an outbox that does not fit is refused then).
            this.socketContext = context.socket().copy();
            this.xskCounters = null == context.xdpInterface() ? null : XskCounter.allocate(countersManager, id);
            final ClientHelloVerifier verifier = new ClientHelloVerifier(
                context.verifier().copy().counters(new VerifierCounters(countersManager, id)));
            final VerifierAgent.Context agentContext = new VerifierAgent.Context()
                .workerId(id)
                .sockets(this::openSocket)
                .slotBytes(socketContext.slotBytes())
                .verifier(verifier)
                .counters(counters)
                .handler(context.handlerFactory().apply(id))
                .cpu(null == context.cpus() ? -1 : context.cpus()[id]);
            context.agentConfigurator().accept(id, agentContext);
            demuxing = null != agentContext.demuxHandler();
            if (demuxing && null == agentContext.demuxCounters())
            {
                agentContext.demuxCounters(DemuxCounters.allocate(countersManager, id));
            }
            this.agent = new VerifierAgent(agentContext);
            final IdleStrategy idleStrategy = null == context.idleStrategy() ?
                new SocketIdleStrategy(agent::awaitWork) : context.idleStrategy().get();
            this.runner = new AgentRunner(idleStrategy, this::onError, null, agent);
        }

        void start()
        {
            AgentRunner.startOnThread(runner, (runnable) ->
            {
                final Thread thread = new Thread(runnable, agent.roleName());
                thread.setDaemon(true);
                return thread;
            });
        }

        int awaitBound(final int requestedPort)
        {
            final String where = context.bindAddress().getHostAddress() + " port " + requestedPort;
            try
            {
                if (!bound.await(BIND_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                {
                    throw new IllegalStateException(
                        "worker " + id + " did not bind UDP " + where + " within " + BIND_TIMEOUT_MS + " ms");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for worker " + id + " to bind UDP " + where, ex);
            }
            final Throwable failure = startFailure;
            if (null != failure)
            {
                throw new IllegalStateException(
                    "cannot start worker " + id + " on UDP " + where + ": " + failure.getMessage(), failure);
            }
            return port;
        }

        private BatchSocket openSocket()
        {
            // The first worker binds the configured port (0: the kernel picks); the others join it.
            // A demultiplexing worker's kernel filter must let STUN and media through to its handler.
            final BatchSocket.Context socketContext = this.socketContext.port(0 == id ? context.port() : localPort)
                .demuxFilter(demuxing || context.socket().demuxFilter());
            final BatchSocket socket;
            if (null != context.xdpInterface())
            {
                final XdpWorkerSocket xdpSocket =
                    new XdpWorkerSocket(context.xdpSocket().copy().queueId(id), socketContext, xskCounters);
                try
                {
                    if (0 == id && context.workers() > 1)
                    {
                        // Later datagrams of a peer verified here must reach this worker's kernel socket too.
                        RxQueueSteering.attach(xdpSocket.kernelSocket().fd(),
                            RxQueueSteering.offsetFor(context.xdpInterface()));
                    }
                    xdpFilter.registerSocket(id, xdpSocket.xdpSocket().fd());
                }
                catch (final RuntimeException ex)
                {
                    xdpSocket.close();
                    throw ex;
                }
                socket = xdpSocket;
            }
            else
            {
                socket = BatchSockets.open(socketContext);
            }
            isNative = socket instanceof MmsgBatchSocket || socket instanceof XdpWorkerSocket;
            port = socket.localPort();
            bound.countDown();
            return socket;
        }

        private void onError(final Throwable throwable)
        {
            if (bound.getCount() > 0)
            {
                // Failed before its socket was bound (pinning, bind): start() reports it, with the address.
                startFailure = throwable;
                bound.countDown();
                return;
            }
            errors.increment();
            errorLog.record(throwable);
            context.errorHandler().onError(throwable);
        }
    }

    /**
     * The server's counters summed over its workers at one moment: a holder reused from snapshot to snapshot. It
     * reads any {@link CountersReader} by type id ({@link CounterTypes}), so the same sums come from a server in this
     * process or from a {@link CountersFile} mapped by another.
     */
    public static final class Snapshot
    {
        private final long[] workerTotals = new long[WorkerCounter.values().length];
        private final long[] verifierTotals = new long[VerifierCounters.Total.values().length];
        private final long[] dropReasons = new long[DropReason.count()];
        private final long[] cookieChecks = new long[CookieCheck.values().length];
        private final long[] xdpTotals = new long[CounterTypes.KIND_RANGE];
        private int workers;
        private long errors;
        private boolean xdp;

        /**
         * An empty holder.
         */
        public Snapshot()
        {
        }

        void clear()
        {
            Arrays.fill(workerTotals, 0);
            Arrays.fill(verifierTotals, 0);
            Arrays.fill(dropReasons, 0);
            Arrays.fill(cookieChecks, 0);
            Arrays.fill(xdpTotals, 0);
            workers = 0;
            errors = 0;
            xdp = false;
        }

        /**
         * Sum every counter of a reader into this holder, by type id; counters of kinds it does not know are left
         * out. Allocates nothing.
         *
         * @param reader the counters, e.g. {@link VerifierServer#countersReader()} or
         *               {@link CountersFile#countersReader()}.
         * @return this.
         */
        public Snapshot sum(final CountersReader reader)
        {
            clear();
            final int received = WorkerCounter.RECEIVED.typeId();
            for (int id = 0, max = reader.maxCounterId(); id <= max; id++)
            {
                final int state = reader.getCounterState(id);
                if (CountersReader.RECORD_UNUSED == state)
                {
                    break;
                }
                if (CountersReader.RECORD_ALLOCATED != state)
                {
                    continue;
                }
                final int typeId = reader.getCounterTypeId(id);
                final long value = reader.getCounterValue(id);
                final WorkerCounter workerCounter = WorkerCounter.ofTypeId(typeId);
                if (null != workerCounter)
                {
                    workerTotals[workerCounter.ordinal()] += value;
                    workers += typeId == received ? 1 : 0;
                }
                else if (typeId == CounterTypes.ERRORS)
                {
                    errors += value;
                }
                else
                {
                    add(verifierTotals, typeId - CounterTypes.VERIFIER_FIRST, value);
                    add(dropReasons, typeId - CounterTypes.DROP_REASON_FIRST, value);
                    add(cookieChecks, typeId - CounterTypes.COOKIE_CHECK_FIRST, value);
                    if (typeId >= CounterTypes.XDP_FIRST && typeId < CounterTypes.XDP_FIRST + CounterTypes.KIND_RANGE)
                    {
                        xdpTotals[typeId - CounterTypes.XDP_FIRST] += value;
                        xdp = true;
                    }
                }
            }
            return this;
        }

        private static void add(final long[] totals, final int index, final long value)
        {
            if (index >= 0 && index < totals.length)
            {
                totals[index] += value;
            }
        }

        /**
         * A worker counter summed over the workers.
         *
         * @param counter which.
         * @return the total.
         */
        public long get(final WorkerCounter counter)
        {
            return workerTotals[counter.ordinal()];
        }

        /**
         * One of the verifiers' totals summed over the workers.
         *
         * @param total which.
         * @return the total.
         */
        public long get(final VerifierCounters.Total total)
        {
            return verifierTotals[total.ordinal()];
        }

        /**
         * Datagrams received.
         *
         * @return the total.
         */
        public long received()
        {
            return get(WorkerCounter.RECEIVED);
        }

        /**
         * Hellos whose cookie verified.
         *
         * @return the total.
         */
        public long verified()
        {
            return get(WorkerCounter.VERIFIED);
        }

        /**
         * HelloVerifyRequests staged for sending.
         *
         * @return the total.
         */
        public long replies()
        {
            return get(WorkerCounter.REPLIES);
        }

        /**
         * Datagrams the verifiers dropped.
         *
         * @return the total.
         */
        public long dropped()
        {
            return get(WorkerCounter.DROPPED);
        }

        /**
         * Datagrams dropped for one reason.
         *
         * @param reason which.
         * @return the total.
         */
        public long dropped(final DropReason reason)
        {
            return dropReasons[reason.ordinal()];
        }

        /**
         * Cookies that checked out one way.
         *
         * @param check which.
         * @return the total.
         */
        public long cookieChecks(final CookieCheck check)
        {
            return cookieChecks[check.ordinal()];
        }

        /**
         * Whether the server runs the AF_XDP path ({@code --xdp}): it has XDP counters.
         *
         * @return true when any counter of the XDP kind was summed.
         */
        public boolean hasXdp()
        {
            return xdp;
        }

        /**
         * One of the workers' AF_XDP socket counters, summed over the workers.
         *
         * @param counter which.
         * @return the total; 0 without XDP.
         */
        public long get(final XskCounter counter)
        {
            return xdpTotals[counter.typeId() - CounterTypes.XDP_FIRST];
        }

        /**
         * One of the XDP program's verdict counts, as of the last refresh (each {@link VerifierServer#snapshot}).
         *
         * @param counter which.
         * @return the count; 0 without XDP.
         */
        public long get(final XdpCounter counter)
        {
            return xdpTotals[xdpProgramTypeId(counter) - CounterTypes.XDP_FIRST];
        }

        /**
         * Number of workers summed.
         *
         * @return workers.
         */
        public int workers()
        {
            return workers;
        }

        /**
         * Errors the workers reported after starting (a broken socket, a throwing handler).
         *
         * @return the count.
         */
        public long errors()
        {
            return errors;
        }

        /**
         * Copy another snapshot's values into this one, e.g. to keep the previous second's for rates.
         *
         * @param other to copy.
         * @return this.
         */
        public Snapshot copyFrom(final Snapshot other)
        {
            System.arraycopy(other.workerTotals, 0, workerTotals, 0, workerTotals.length);
            System.arraycopy(other.verifierTotals, 0, verifierTotals, 0, verifierTotals.length);
            System.arraycopy(other.dropReasons, 0, dropReasons, 0, dropReasons.length);
            System.arraycopy(other.cookieChecks, 0, cookieChecks, 0, cookieChecks.length);
            System.arraycopy(other.xdpTotals, 0, xdpTotals, 0, xdpTotals.length);
            workers = other.workers;
            errors = other.errors;
            xdp = other.xdp;
            return this;
        }
    }

    /**
     * Configuration of a {@link VerifierServer}: fluent setters, then {@link #conclude()} validates and fills
     * defaults, naming the bad value.
     */
    public static final class Context
    {
        /** Most workers a server runs. */
        public static final int MAX_WORKERS = 1024;
        /** Distinct errors the default error handler prints (each once) before it only counts them. */
        public static final int DEFAULT_ERRORS_PRINTED = 10;
        /** Counters reserved beyond the workers' own, for components that add theirs. */
        public static final int DEFAULT_SPARE_COUNTERS = 64;

        // One template per child component: each worker gets a copy, and each value is checked by its owner.
        private final BatchSocket.Context socket = new BatchSocket.Context();
        private final ClientHelloVerifier.Context verifier = new ClientHelloVerifier.Context();
        private final XdpBatchSocket.Context xdpSocket = new XdpBatchSocket.Context();
        private final XdpFilter.Context xdpFilter = new XdpFilter.Context();
        private String xdpInterface;
        private int workers = Configuration.workers();
        private MacAlgorithm macAlgorithm;
        private int[] cpus;
        private Supplier<? extends IdleStrategy> idleStrategy;
        private IntFunction<? extends VerifiedHelloHandler> handlerFactory;
        private BiConsumer<Integer, VerifierAgent.Context> agentConfigurator;
        private ErrorHandler errorHandler;
        private Consumer<String> notice;
        private int spareCounters = Configuration.spareCounters();
        private Path countersDirectory;
        private boolean concluded;

        /**
         * Every value at its default until set.
         */
        public Context()
        {
        }

        /**
         * Validate and fill defaults; a second call does nothing.
         *
         * @return this.
         * @throws IllegalArgumentException naming the bad value.
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            if (null != cpus)
            {
                if (cpus.length == 0)
                {
                    throw new IllegalArgumentException("cpus must list at least one CPU, or be null for no pinning");
                }
                for (final int cpu : cpus)
                {
                    if (cpu < 0 || cpu >= LibC.CPU_SET_BYTES * 8)
                    {
                        throw new IllegalArgumentException("cpus must be 0 to 1023, got " + cpu + " in " +
                            Arrays.toString(cpus));
                    }
                }
            }
            if (0 == workers)
            {
                workers = null != cpus ? cpus.length : Runtime.getRuntime().availableProcessors();
            }
            if (workers < 1 || workers > MAX_WORKERS)
            {
                throw new IllegalArgumentException("workers must be 1 to " + MAX_WORKERS + ", got " + workers);
            }
            if (null != cpus && cpus.length != workers)
            {
                throw new IllegalArgumentException("cpus must name one CPU per worker: " + Arrays.toString(cpus) +
                    " for " + workers + " workers");
            }
            if (spareCounters < 0 || spareCounters > 65_536)
            {
                throw new IllegalArgumentException("spareCounters must be 0 to 65536, got " + spareCounters);
            }
            final CookieKeys cookieKeys = verifier.cookieKeys();
            if (null == cookieKeys)
            {
                verifier.cookieKeys(CookieKeys.random(
                    null == macAlgorithm ? MacAlgorithm.defaultAlgorithm() : macAlgorithm,
                    CookieKeys.DEFAULT_ROTATION_PERIOD_MS, CookieKeys.DEFAULT_GRACE_MS));
            }
            else if (null != macAlgorithm && macAlgorithm != cookieKeys.algorithm())
            {
                throw new IllegalArgumentException("macAlgorithm " + macAlgorithm.label() +
                    " disagrees with cookieKeys, which use " + cookieKeys.algorithm().label());
            }
            macAlgorithm = verifier.cookieKeys().algorithm();
            if (null == handlerFactory)
            {
                handlerFactory = (workerId) -> VerifiedHelloHandler.NONE;
            }
            if (null == agentConfigurator)
            {
                agentConfigurator = (workerId, agentContext) -> {};
            }
            if (null == errorHandler)
            {
                errorHandler = new DistinctErrorPrinter(System.err, true, DEFAULT_ERRORS_PRINTED);
            }
            if (null == notice)
            {
                notice = System.err::println;
            }
            // The workers share the port: every socket of this server is bound with SO_REUSEPORT.
            socket.reusePort(true).notice(notice).conclude();
            verifier.conclude();
            if (null != xdpInterface)
            {
                if (0 == socket.port())
                {
                    throw new IllegalArgumentException("port must be given with xdpInterface: the XDP program " +
                        "matches the port, so it cannot be one the kernel picks");
                }
                // One worker per RX queue: worker i owns the AF_XDP socket of queue i. A reply must fit a UMEM frame
                // after its headers as it fits a kernel socket's slot (the echo's outbox sends up to a slot).
                if (xdpSocket.frameBytes() - XdpBatchSocket.HEADROOM < socket.slotBytes())
                {
                    xdpSocket.frameBytes(XdpBatchSocket.Context.MAX_FRAME_BYTES);
                }
                xdpSocket.interfaceName(xdpInterface).batchSize(socket.batchSize()).conclude();
                xdpFilter.address(socket.bindAddress()).port(socket.port()).queues(Math.max(workers, 1)).conclude();
            }
            concluded = true;
            return this;
        }

        /**
         * Address every worker binds: an IPv6 one makes IPv6 sockets, dual-stack when it is {@code ::}.
         *
         * @param bindAddress local address; default 0.0.0.0.
         * @return this.
         */
        public Context bindAddress(final InetAddress bindAddress)
        {
            socket.bindAddress(bindAddress);
            return this;
        }

        /**
         * Address every worker binds.
         *
         * @return the address.
         */
        public InetAddress bindAddress()
        {
            return socket.bindAddress();
        }

        /**
         * Serve through AF_XDP on a network device ({@code turnstile serve --xdp IFACE}): the DTLS XDP program is
         * attached to it, and worker i takes the AF_XDP socket of its RX queue i (so give one worker per queue used)
         * beside its kernel socket. Needs a fixed {@link #port(int)}, CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW.
         *
         * @param xdpInterface the device, e.g. {@code eth0}; null (the default) for kernel sockets only.
         * @return this.
         */
        public Context xdpInterface(final String xdpInterface)
        {
            this.xdpInterface = xdpInterface;
            return this;
        }

        /**
         * The AF_XDP device.
         *
         * @return its name, or null without AF_XDP.
         */
        public String xdpInterface()
        {
            return xdpInterface;
        }

        /**
         * The AF_XDP sockets' template (ring sizes, UMEM frames, zero-copy); each worker gets a copy with its queue.
         * The device and batch size come from this context.
         *
         * @return the template, to configure in place.
         */
        public XdpBatchSocket.Context xdpSocket()
        {
            return xdpSocket;
        }

        /**
         * The XDP program's configuration (attach mode, the cookie-less hello rate limit, first-byte pass ranges);
         * its address, port and queue count come from this context.
         *
         * @return the configuration, to set in place.
         */
        public XdpFilter.Context xdpFilter()
        {
            return xdpFilter;
        }

        /**
         * Port every worker binds.
         *
         * @param port 0 for an ephemeral port, learnt from the first worker (see {@link VerifierServer#localPort()});
         *             default 0.
         * @return this.
         */
        public Context port(final int port)
        {
            socket.port(port);
            return this;
        }

        /**
         * Port every worker binds.
         *
         * @return the port asked for.
         */
        public int port()
        {
            return socket.port();
        }

        /**
         * The socket settings every worker's socket starts from (bind address, port, batch, buffers, filter); each
         * worker gets a copy, its port set once the first has bound. {@link BatchSocket.Context#conclude()} checks
         * them when this context concludes.
         *
         * @return the template, to set values on.
         */
        public BatchSocket.Context socket()
        {
            return socket;
        }

        /**
         * The verifier settings every worker's verifier starts from (keys, cookie age, limits); each worker gets a
         * copy sharing the one key source. {@link ClientHelloVerifier.Context#conclude()} checks them when this
         * context concludes.
         *
         * @return the template, to set values on.
         */
        public ClientHelloVerifier.Context verifier()
        {
            return verifier;
        }

        /**
         * Number of workers, each a thread, a socket and a verifier.
         *
         * @param workers 1 to {@value #MAX_WORKERS}; default the number of {@link #cpus(int...)} given, else the
         *                available processors.
         * @return this.
         */
        public Context workers(final int workers)
        {
            this.workers = workers;
            return this;
        }

        /**
         * Number of workers.
         *
         * @return workers; 0 until concluded when left to the default.
         */
        public int workers()
        {
            return workers;
        }

        /**
         * Datagrams per batch, each way.
         *
         * @param batchSize 1 to {@value BatchSocket.Context#MAX_BATCH_SIZE}; default
         *                  {@value BatchSocket.Context#DEFAULT_BATCH_SIZE}.
         * @return this.
         */
        public Context batchSize(final int batchSize)
        {
            socket.batchSize(batchSize);
            return this;
        }

        /**
         * Datagrams per batch.
         *
         * @return the batch size.
         */
        public int batchSize()
        {
            return socket.batchSize();
        }

        /**
         * Key source shared by every worker's verifier.
         *
         * @param cookieKeys default {@link CookieKeys#random(MacAlgorithm, long, long)} with {@link #macAlgorithm}.
         * @return this.
         */
        public Context cookieKeys(final CookieKeys cookieKeys)
        {
            verifier.cookieKeys(cookieKeys);
            return this;
        }

        /**
         * Key source shared by every worker's verifier.
         *
         * @return the keys.
         */
        public CookieKeys cookieKeys()
        {
            return verifier.cookieKeys();
        }

        /**
         * MAC of the default random keys; when {@link #cookieKeys(CookieKeys)} is set too, it must agree with them.
         *
         * @param macAlgorithm default {@link MacAlgorithm#defaultAlgorithm()}.
         * @return this.
         */
        public Context macAlgorithm(final MacAlgorithm macAlgorithm)
        {
            this.macAlgorithm = macAlgorithm;
            return this;
        }

        /**
         * MAC the cookies are made with.
         *
         * @return the algorithm; null until concluded when left to the default.
         */
        public MacAlgorithm macAlgorithm()
        {
            return macAlgorithm;
        }

        /**
         * Oldest cookie that verifies.
         *
         * @param maxCookieAgeMs 1 s to 1 day; default 60 s.
         * @return this.
         */
        public Context maxCookieAgeMs(final long maxCookieAgeMs)
        {
            verifier.maxCookieAgeMs(maxCookieAgeMs);
            return this;
        }

        /**
         * Oldest cookie that verifies.
         *
         * @return milliseconds.
         */
        public long maxCookieAgeMs()
        {
            return verifier.maxCookieAgeMs();
        }

        /**
         * Longest hello, by its handshake length field, a worker answers or verifies; checked by each worker's
         * {@link ClientHelloVerifier.Context}.
         *
         * @param maxHelloLength bytes; default {@value ClientHelloVerifier.Context#DEFAULT_MAX_HELLO_LENGTH}.
         * @return this.
         */
        public Context maxHelloLength(final int maxHelloLength)
        {
            verifier.maxHelloLength(maxHelloLength);
            return this;
        }

        /**
         * Longest hello, by its handshake length field, a worker answers or verifies.
         *
         * @return bytes.
         */
        public int maxHelloLength()
        {
            return verifier.maxHelloLength();
        }

        /**
         * CPUs to pin the workers to, worker i on {@code cpus[i]} (Linux only; ignored elsewhere).
         *
         * @param cpus one per worker, 0 to 1023; null (default) for no pinning.
         * @return this.
         */
        public Context cpus(final int... cpus)
        {
            this.cpus = null == cpus ? null : cpus.clone();
            return this;
        }

        /**
         * CPUs to pin the workers to.
         *
         * @return one per worker, or null.
         */
        public int[] cpus()
        {
            return cpus;
        }

        /**
         * Makes each worker's idle strategy (strategies keep state, so one each).
         *
         * @param idleStrategy null (the default) for a {@link SocketIdleStrategy} on each worker's socket, which
         *                     sleeps in {@code poll(2)} until a datagram comes or 1 ms passes; a
         *                     {@code BusySpinIdleStrategy} here trades a core for the last microseconds of latency.
         * @return this.
         */
        public Context idleStrategy(final Supplier<? extends IdleStrategy> idleStrategy)
        {
            this.idleStrategy = idleStrategy;
            return this;
        }

        /**
         * Makes each worker's idle strategy.
         *
         * @return the supplier, or null for a {@link SocketIdleStrategy} on each worker's socket.
         */
        public Supplier<? extends IdleStrategy> idleStrategy()
        {
            return idleStrategy;
        }

        /**
         * Use NIO even where the native socket is available.
         *
         * @param forceNio default false.
         * @return this.
         */
        public Context forceNio(final boolean forceNio)
        {
            socket.forceNio(forceNio);
            return this;
        }

        /**
         * Whether NIO is forced.
         *
         * @return true to skip the native socket.
         */
        public boolean forceNio()
        {
            return socket.forceNio();
        }

        /**
         * SO_RCVBUF each socket asks for.
         *
         * @param receiveBufferBytes at least 4096; default 4 MiB.
         * @return this.
         */
        public Context receiveBufferBytes(final int receiveBufferBytes)
        {
            socket.receiveBufferBytes(receiveBufferBytes);
            return this;
        }

        /**
         * SO_RCVBUF each socket asks for.
         *
         * @return bytes.
         */
        public int receiveBufferBytes()
        {
            return socket.receiveBufferBytes();
        }

        /**
         * SO_SNDBUF each socket asks for.
         *
         * @param sendBufferBytes at least 4096; default 4 MiB.
         * @return this.
         */
        public Context sendBufferBytes(final int sendBufferBytes)
        {
            socket.sendBufferBytes(sendBufferBytes);
            return this;
        }

        /**
         * SO_SNDBUF each socket asks for.
         *
         * @return bytes.
         */
        public int sendBufferBytes()
        {
            return socket.sendBufferBytes();
        }

        /**
         * Makes each worker's handler of verified hellos, called with the worker id; it runs on that worker's thread.
         *
         * @param handlerFactory default: every worker gets {@link VerifiedHelloHandler#NONE}.
         * @return this.
         */
        public Context handlerFactory(final IntFunction<? extends VerifiedHelloHandler> handlerFactory)
        {
            this.handlerFactory = handlerFactory;
            return this;
        }

        /**
         * Makes each worker's handler of verified hellos.
         *
         * @return the factory.
         */
        public IntFunction<? extends VerifiedHelloHandler> handlerFactory()
        {
            return handlerFactory;
        }

        /**
         * Called once per worker id with its agent's context, after the server has filled it and before the agent is
         * built: to attach what the server does not know about (accepted peers, an outbox, handlers).
         *
         * @param agentConfigurator default does nothing.
         * @return this.
         */
        public Context agentConfigurator(final BiConsumer<Integer, VerifierAgent.Context> agentConfigurator)
        {
            this.agentConfigurator = agentConfigurator;
            return this;
        }

        /**
         * Called once per worker with its agent's context.
         *
         * @return the configurator.
         */
        public BiConsumer<Integer, VerifierAgent.Context> agentConfigurator()
        {
            return agentConfigurator;
        }

        /**
         * Told of errors a running worker hits (a broken socket, a handler that throws); counted either way.
         * Errors before a worker is bound are thrown by {@link VerifierServer#start()} instead.
         *
         * @param errorHandler default prints each distinct error's stack trace once to System.err, up to
         *                     {@value #DEFAULT_ERRORS_PRINTED} distinct ones (a broken socket fails every duty cycle:
         *                     its repeats are only counted); must not throw.
         * @return this.
         */
        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        /**
         * Told of errors a running worker hits.
         *
         * @return the handler.
         */
        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        /**
         * Where to say that NIO is used because the native socket is unavailable.
         *
         * @param notice receives one line; default System.err.
         * @return this.
         */
        public Context notice(final Consumer<String> notice)
        {
            this.notice = notice;
            return this;
        }

        /**
         * Where notices go.
         *
         * @return the callback.
         */
        public Consumer<String> notice()
        {
            return notice;
        }

        /**
         * Put the counters in a {@link CountersFile} in this directory, for another process to map; the server
         * refuses a directory a running process owns, replaces one whose owner died, and deletes it on close.
         *
         * @param countersDirectory e.g. {@link CountersFile#defaultDirectory()}; default null: direct memory, not
         *                          readable from outside the process.
         * @return this.
         */
        public Context countersDirectory(final Path countersDirectory)
        {
            this.countersDirectory = countersDirectory;
            return this;
        }

        /**
         * Where the counters file goes.
         *
         * @return the directory, or null for direct memory.
         */
        public Path countersDirectory()
        {
            return countersDirectory;
        }

        /**
         * Room in the counters for ones an {@link #agentConfigurator(BiConsumer)} allocates itself.
         *
         * @param spareCounters 0 to 65536; default 64.
         * @return this.
         */
        public Context spareCounters(final int spareCounters)
        {
            this.spareCounters = spareCounters;
            return this;
        }

        /**
         * Room for extra counters.
         *
         * @return counters.
         */
        public int spareCounters()
        {
            return spareCounters;
        }
    }
}
