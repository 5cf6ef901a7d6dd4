// Integration scenarios for PolyMQ driven by the RabbitMQ Java client (amqp-client 5.x).
//
// Every scenario is a small method that throws on the first failed check. The
// runner prints one line per scenario and, at the end, a summary line of the
// form "N passed, M failed". The exit code is non-zero if any scenario failed.
//
// Environment: AMQP_HOST (127.0.0.1), AMQP_PORT (5672), AMQP_USER (guest),
// AMQP_PASSWORD (guest), AMQP_VHOST (/). Optional: SCENARIO_TIMEOUT_SECONDS
// (per scenario, default 15) and ONLY (comma-separated scenario names).

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.CancelCallback;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.DeliverCallback;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.Method;
import com.rabbitmq.client.ShutdownSignalException;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

public final class ClientScenarios {

    // ------------------------------------------------------------------
    // configuration and shared state
    // ------------------------------------------------------------------

    private static final String HOST = env("AMQP_HOST", "127.0.0.1");
    private static final int PORT = Integer.parseInt(env("AMQP_PORT", "5672"));
    private static final String USER = env("AMQP_USER", "guest");
    private static final String PASSWORD = env("AMQP_PASSWORD", "guest");
    private static final String VHOST = env("AMQP_VHOST", "/");
    private static final int SCENARIO_TIMEOUT_SECONDS =
            Integer.parseInt(env("SCENARIO_TIMEOUT_SECONDS", "15"));

    /** Prefix shared by every queue and exchange of this run. */
    private static final String RUN_ID = "polymq.it.java."
            + Long.toString(System.currentTimeMillis(), 36) + "."
            + Integer.toString(new Random().nextInt(1 << 20), 36);

    /** Connections opened by the scenario currently running; closed after it. */
    private static final List<Connection> OPEN_CONNECTIONS = new CopyOnWriteArrayList<>();
    /** Entities to delete once the scenario is over. */
    private static final Set<String> QUEUES = ConcurrentHashMap.newKeySet();
    private static final Set<String> EXCHANGES = ConcurrentHashMap.newKeySet();

    private static final long RECEIVE_TIMEOUT_MS = 5_000;

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return (v == null || v.isEmpty()) ? fallback : v;
    }

    @FunctionalInterface
    private interface Scenario {
        void run() throws Exception;
    }

    private static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------

    private static ConnectionFactory factory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(HOST);
        f.setPort(PORT);
        f.setUsername(USER);
        f.setPassword(PASSWORD);
        f.setVirtualHost(VHOST);
        f.setConnectionTimeout(5_000);
        f.setHandshakeTimeout(5_000);
        f.setShutdownTimeout(2_000);
        f.setChannelRpcTimeout(10_000);
        f.setAutomaticRecoveryEnabled(false);
        f.setTopologyRecoveryEnabled(false);
        return f;
    }

    private static Connection connect(String name) throws IOException, TimeoutException {
        Connection c = factory().newConnection("polymq-it-java-" + name);
        OPEN_CONNECTIONS.add(c);
        return c;
    }

    private static String name(String what) {
        return RUN_ID + "." + what;
    }

    private static String queueName(String what) {
        String q = name(what);
        QUEUES.add(q);
        return q;
    }

    private static String exchangeName(String what) {
        String x = name(what);
        EXCHANGES.add(x);
        return x;
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new Failure(message);
        }
    }

    private static void checkEq(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new Failure(what + ": expected <" + describe(expected) + "> but was <" + describe(actual) + ">");
        }
    }

    private static String describe(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof byte[]) {
            byte[] b = (byte[]) o;
            return b.length > 64 ? "byte[" + b.length + "]" : Arrays.toString(b);
        }
        return o + " (" + o.getClass().getSimpleName() + ")";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Strings in tables come back as LongString; compare them as text. */
    private static Object plain(Object v) {
        if (v instanceof LongString) {
            return v.toString();
        }
        if (v instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                out.put(String.valueOf(e.getKey()), plain(e.getValue()));
            }
            return out;
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(plain(o));
            }
            return out;
        }
        return v;
    }

    private static <T> T poll(BlockingQueue<T> q, String what) throws InterruptedException {
        T v = q.poll(RECEIVE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (v == null) {
            throw new Failure("timed out after " + RECEIVE_TIMEOUT_MS + " ms waiting for " + what);
        }
        return v;
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(RECEIVE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new Failure("timed out after " + RECEIVE_TIMEOUT_MS + " ms waiting for " + what);
        }
    }

    private static void expectNothing(BlockingQueue<?> q, long ms, String what) throws InterruptedException {
        Object extra = q.poll(ms, TimeUnit.MILLISECONDS);
        check(extra == null, "unexpected extra " + what + ": " + extra);
    }

    /** Publishes with confirms so the messages are enqueued once this returns. */
    private static void publishConfirmed(Channel ch, String exchange, String routingKey, byte[]... bodies)
            throws IOException, InterruptedException, TimeoutException {
        for (byte[] body : bodies) {
            ch.basicPublish(exchange, routingKey, null, body);
        }
        ch.waitForConfirmsOrDie(RECEIVE_TIMEOUT_MS);
    }

    private static int readyCount(Channel ch, String queue) throws IOException {
        return ch.queueDeclarePassive(queue).getMessageCount();
    }

    /** The ShutdownSignalException carried by an IOException thrown from a channel RPC. */
    private static ShutdownSignalException shutdownOf(IOException e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof ShutdownSignalException) {
                return (ShutdownSignalException) t;
            }
            t = t.getCause();
        }
        throw new Failure("IOException without a ShutdownSignalException cause: " + e);
    }

    private static AMQP.Channel.Close channelCloseOf(IOException e) {
        ShutdownSignalException sse = shutdownOf(e);
        check(!sse.isHardError(), "expected a channel error, got a connection error: " + sse.getMessage());
        Method reason = sse.getReason();
        check(reason instanceof AMQP.Channel.Close, "shutdown reason is not channel.close: " + reason);
        return (AMQP.Channel.Close) reason;
    }

    // ------------------------------------------------------------------
    // scenarios
    // ------------------------------------------------------------------

    /** Connection with explicit host/port/credentials; server properties and capabilities. */
    static void connectAndServerProperties() throws Exception {
        Connection conn = connect("connect");
        check(conn.isOpen(), "connection not open");
        checkEq(PORT, conn.getPort(), "connection port");

        Map<String, Object> props = conn.getServerProperties();
        for (String key : new String[] {"product", "version", "platform", "copyright", "information"}) {
            check(props.get(key) instanceof LongString, "server property '" + key + "' missing or not a long string: " + props.get(key));
        }
        check(!props.get("product").toString().isEmpty(), "empty product");
        check(!props.get("version").toString().isEmpty(), "empty version");
        check(props.get("cluster_name") instanceof LongString, "server property cluster_name missing");

        Object caps = props.get("capabilities");
        check(caps instanceof Map, "server property capabilities missing or not a table: " + caps);
        @SuppressWarnings("unchecked")
        Map<String, Object> capabilities = (Map<String, Object>) caps;
        for (String cap : new String[] {
                "publisher_confirms", "exchange_exchange_bindings", "basic.nack", "consumer_cancel_notify",
                "connection.blocked", "consumer_priorities", "authentication_failure_close",
                "per_consumer_qos", "direct_reply_to"}) {
            checkEq(Boolean.TRUE, capabilities.get(cap), "capability " + cap);
        }

        check(conn.getFrameMax() >= 4096, "negotiated frame_max too small: " + conn.getFrameMax());
        check(conn.getChannelMax() > 0, "negotiated channel_max is zero");
        check(conn.getHeartbeat() > 0 && conn.getHeartbeat() <= 60,
                "negotiated heartbeat should be in (0, 60] when the client asks for 60 s: " + conn.getHeartbeat());

        Channel ch = conn.createChannel();
        check(ch.isOpen(), "channel not open");
        check(ch.getChannelNumber() >= 1, "bad channel number " + ch.getChannelNumber());
        ch.close();
        check(!ch.isOpen(), "channel still open after close");
        conn.close();
        check(!conn.isOpen(), "connection still open after close");
    }

    /** Durable queue, full BasicProperties round trip, DefaultConsumer with manual ack. */
    static void durableQueuePropertiesRoundTrip() throws Exception {
        Connection conn = connect("props");
        Channel ch = conn.createChannel();
        String q = queueName("props");
        AMQP.Queue.DeclareOk ok = ch.queueDeclare(q, true, false, false, null);
        checkEq(q, ok.getQueue(), "declared queue name");
        checkEq(0, ok.getMessageCount(), "message count of new queue");
        checkEq(0, ok.getConsumerCount(), "consumer count of new queue");

        // Re-declaring with identical arguments is idempotent.
        checkEq(q, ch.queueDeclare(q, true, false, false, null).getQueue(), "re-declared queue name");

        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("inner-string", "deep");
        nested.put("inner-int", 7);
        List<Object> list = new ArrayList<>(Arrays.asList("a", 1, 2L, true));
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("x-string", "hello");
        headers.put("x-int", 42);
        headers.put("x-negative-int", -17);
        headers.put("x-long", 1L << 40);
        headers.put("x-bool-true", true);
        headers.put("x-bool-false", false);
        headers.put("x-nested", nested);
        headers.put("x-list", list);
        headers.put("x-empty-list", new ArrayList<>());
        headers.put("x-double", 2.5d);
        headers.put("x-decimal", new BigDecimal("123.45"));
        headers.put("x-bytes", new byte[] {1, 2, 3, (byte) 0xff});
        headers.put("x-unicode", "h\u00e9llo \u2713");

        long nowSeconds = System.currentTimeMillis() / 1000;
        Date timestamp = new Date(nowSeconds * 1000); // AMQP timestamps have one-second resolution

        int count = 3;
        for (int i = 0; i < count; i++) {
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                    .contentType("application/json")
                    .contentEncoding("utf-8")
                    .headers(headers)
                    .deliveryMode(2)
                    .priority(5)
                    .correlationId("corr-" + i)
                    .replyTo("reply-queue-" + i)
                    .expiration("60000")
                    .messageId("msg-" + i)
                    .timestamp(timestamp)
                    .type("order.created")
                    .userId(USER)
                    .appId("polymq-it-java")
                    .build();
            ch.basicPublish("", q, props, utf8("{\"n\":" + i + "}"));
        }

        BlockingQueue<Object[]> deliveries = new LinkedBlockingQueue<>();
        AtomicReference<String> consumeOkTag = new AtomicReference<>();
        CountDownLatch consumeOk = new CountDownLatch(1);
        Channel consumerCh = conn.createChannel();
        DefaultConsumer consumer = new DefaultConsumer(consumerCh) {
            @Override
            public void handleConsumeOk(String consumerTag) {
                super.handleConsumeOk(consumerTag);
                consumeOkTag.set(consumerTag);
                consumeOk.countDown();
            }

            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                       byte[] body) {
                deliveries.add(new Object[] {consumerTag, envelope, properties, body});
            }
        };
        String tag = consumerCh.basicConsume(q, false, consumer);
        // handleConsumeOk runs on the consumer dispatch thread, possibly after basicConsume returned.
        await(consumeOk, "handleConsumeOk");
        checkEq(tag, consumeOkTag.get(), "consumer tag seen by handleConsumeOk");
        checkEq(tag, consumer.getConsumerTag(), "DefaultConsumer.getConsumerTag");

        for (int i = 0; i < count; i++) {
            Object[] d = poll(deliveries, "delivery " + i);
            Envelope env = (Envelope) d[1];
            AMQP.BasicProperties p = (AMQP.BasicProperties) d[2];
            byte[] body = (byte[]) d[3];
            checkEq(tag, d[0], "consumer tag of delivery " + i);
            checkEq((long) (i + 1), env.getDeliveryTag(), "delivery tag");
            checkEq("", env.getExchange(), "exchange");
            checkEq(q, env.getRoutingKey(), "routing key");
            checkEq(false, env.isRedeliver(), "redeliver flag");
            checkEq("{\"n\":" + i + "}", str(body), "body");

            checkEq("application/json", p.getContentType(), "content type");
            checkEq("utf-8", p.getContentEncoding(), "content encoding");
            checkEq(2, p.getDeliveryMode(), "delivery mode");
            checkEq(5, p.getPriority(), "priority");
            checkEq("corr-" + i, p.getCorrelationId(), "correlation id");
            checkEq("reply-queue-" + i, p.getReplyTo(), "reply to");
            checkEq("60000", p.getExpiration(), "expiration");
            checkEq("msg-" + i, p.getMessageId(), "message id");
            checkEq(timestamp, p.getTimestamp(), "timestamp");
            checkEq("order.created", p.getType(), "type");
            checkEq(USER, p.getUserId(), "user id");
            checkEq("polymq-it-java", p.getAppId(), "app id");
            check(p.getClusterId() == null, "unexpected cluster id " + p.getClusterId());

            Map<String, Object> h = p.getHeaders();
            check(h != null, "headers missing");
            checkEq(headers.keySet(), h.keySet(), "header names");
            checkEq("hello", plain(h.get("x-string")), "header x-string");
            check(h.get("x-string") instanceof LongString, "x-string should decode as LongString");
            checkEq(42, h.get("x-int"), "header x-int");
            checkEq(-17, h.get("x-negative-int"), "header x-negative-int");
            checkEq(1L << 40, h.get("x-long"), "header x-long");
            checkEq(true, h.get("x-bool-true"), "header x-bool-true");
            checkEq(false, h.get("x-bool-false"), "header x-bool-false");
            checkEq(plain(nested), plain(h.get("x-nested")), "header x-nested");
            check(h.get("x-nested") instanceof Map, "x-nested should decode as a table");
            checkEq(Arrays.asList("a", 1, 2L, true), plain(h.get("x-list")), "header x-list");
            checkEq(Collections.emptyList(), plain(h.get("x-empty-list")), "header x-empty-list");
            checkEq(2.5d, h.get("x-double"), "header x-double");
            checkEq(new BigDecimal("123.45"), h.get("x-decimal"), "header x-decimal");
            check(h.get("x-bytes") instanceof byte[], "x-bytes should decode as byte[]: " + describe(h.get("x-bytes")));
            check(Arrays.equals(new byte[] {1, 2, 3, (byte) 0xff}, (byte[]) h.get("x-bytes")), "header x-bytes");
            checkEq("h\u00e9llo \u2713", plain(h.get("x-unicode")), "header x-unicode");

            consumerCh.basicAck(env.getDeliveryTag(), false);
        }
        expectNothing(deliveries, 100, "delivery");

        consumerCh.basicCancel(tag);
        // Acks are asynchronous; a synchronous round trip on the same channel orders them first.
        checkEq(0, readyCount(consumerCh, q), "ready messages after acking everything");
        checkEq(0, consumerCh.queueDeclarePassive(q).getConsumerCount(), "consumers after cancel");
        AMQP.Queue.DeleteOk del = ch.queueDelete(q);
        checkEq(0, del.getMessageCount(), "messages in deleted queue");
        conn.close();
    }

    /** Fanout exchange copies every message to each bound queue. */
    static void fanoutPubSub() throws Exception {
        Connection conn = connect("fanout");
        Channel ch = conn.createChannel();
        String x = exchangeName("fanout");
        ch.exchangeDeclare(x, BuiltinExchangeType.FANOUT, false, false, null);
        String q1 = queueName("fanout.q1");
        String q2 = queueName("fanout.q2");
        String q3 = queueName("fanout.unbound");
        for (String q : new String[] {q1, q2, q3}) {
            ch.queueDeclare(q, false, true, false, null);
        }
        ch.queueBind(q1, x, "");
        ch.queueBind(q2, x, "ignored-key");

        BlockingQueue<String> got1 = new LinkedBlockingQueue<>();
        BlockingQueue<String> got2 = new LinkedBlockingQueue<>();
        DeliverCallback cb1 = (tag, d) -> got1.add(str(d.getBody()) + "|" + d.getEnvelope().getRoutingKey() + "|" + d.getEnvelope().getExchange());
        DeliverCallback cb2 = (tag, d) -> got2.add(str(d.getBody()) + "|" + d.getEnvelope().getRoutingKey() + "|" + d.getEnvelope().getExchange());
        CancelCallback noCancel = tag -> { };
        ch.basicConsume(q1, true, cb1, noCancel);
        ch.basicConsume(q2, true, cb2, noCancel);

        int n = 5;
        for (int i = 0; i < n; i++) {
            ch.basicPublish(x, "rk-" + i, null, utf8("event-" + i));
        }
        for (int i = 0; i < n; i++) {
            String expected = "event-" + i + "|rk-" + i + "|" + x;
            checkEq(expected, poll(got1, "q1 message " + i), "q1 message " + i);
            checkEq(expected, poll(got2, "q2 message " + i), "q2 message " + i);
        }
        expectNothing(got1, 100, "q1 message");
        expectNothing(got2, 0, "q2 message");
        checkEq(0, readyCount(ch, q3), "messages in unbound queue");

        ch.exchangeDelete(x);
        conn.close();
    }

    /** Topic exchange with '*' and '#' wildcards. */
    static void topicRouting() throws Exception {
        Connection conn = connect("topic");
        Channel ch = conn.createChannel();
        ch.confirmSelect();
        String x = exchangeName("topic");
        ch.exchangeDeclare(x, BuiltinExchangeType.TOPIC, false, true, null);
        Map<String, String> bindings = new LinkedHashMap<>();
        bindings.put("star", "stock.*.nyse");
        bindings.put("hash", "stock.#");
        bindings.put("tailhash", "#.error");
        bindings.put("all", "#");
        bindings.put("exact", "stock.ibm.nyse");
        bindings.put("midhash", "a.#.z");
        Map<String, String> queues = new LinkedHashMap<>();
        for (Map.Entry<String, String> b : bindings.entrySet()) {
            String q = queueName("topic." + b.getKey());
            ch.queueDeclare(q, false, true, false, null);
            ch.queueBind(q, x, b.getValue());
            queues.put(b.getKey(), q);
        }
        String[] keys = {
            "stock.ibm.nyse", "stock.nyse", "stock.ibm.x.nyse", "stock", "app.db.error", "error",
            "stocks.ibm.nyse", "a.z", "a.b.c.z", "a.b.c", "",
        };
        for (String k : keys) {
            ch.basicPublish(x, k, null, utf8(k));
        }
        ch.waitForConfirmsOrDie(RECEIVE_TIMEOUT_MS);

        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("star", Arrays.asList("stock.ibm.nyse"));
        expected.put("hash", Arrays.asList("stock.ibm.nyse", "stock.nyse", "stock.ibm.x.nyse", "stock"));
        expected.put("tailhash", Arrays.asList("app.db.error", "error"));
        expected.put("all", Arrays.asList(keys));
        expected.put("exact", Arrays.asList("stock.ibm.nyse"));
        expected.put("midhash", Arrays.asList("a.z", "a.b.c.z"));

        for (Map.Entry<String, String> e : queues.entrySet()) {
            List<String> want = expected.get(e.getKey());
            checkEq(want.size(), readyCount(ch, e.getValue()),
                    "message count for binding '" + bindings.get(e.getKey()) + "'");
            List<String> got = new ArrayList<>();
            GetResponse r;
            while ((r = ch.basicGet(e.getValue(), true)) != null) {
                got.add(str(r.getBody()));
                checkEq(str(r.getBody()), r.getEnvelope().getRoutingKey(), "routing key in envelope");
            }
            checkEq(want, got, "messages routed by binding '" + bindings.get(e.getKey()) + "'");
        }

        // Unbinding stops routing.
        ch.queueUnbind(queues.get("star"), x, "stock.*.nyse");
        ch.basicPublish(x, "stock.ibm.nyse", null, utf8("after-unbind"));
        ch.waitForConfirmsOrDie(RECEIVE_TIMEOUT_MS);
        checkEq(0, readyCount(ch, queues.get("star")), "messages after unbind");
        checkEq(1, readyCount(ch, queues.get("exact")), "messages for exact binding after unbind of another");
        conn.close();
    }

    /** Two channels consuming one queue with basicQos(1) share the work. */
    static void competingConsumers() throws Exception {
        Connection conn = connect("competing");
        Channel pub = conn.createChannel();
        String q = queueName("work");
        pub.queueDeclare(q, false, false, true, null);

        int total = 30;
        ScheduledExecutorService acker = Executors.newSingleThreadScheduledExecutor();
        try {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            AtomicInteger violations = new AtomicInteger();
            List<AtomicInteger> perConsumer = new ArrayList<>();
            List<Channel> channels = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                Channel ch = conn.createChannel();
                ch.basicQos(1);
                AtomicInteger inFlight = new AtomicInteger();
                AtomicInteger count = new AtomicInteger();
                perConsumer.add(count);
                channels.add(ch);
                String label = "c" + c;
                ch.basicConsume(q, false, (tag, d) -> {
                    if (inFlight.incrementAndGet() > 1) {
                        violations.incrementAndGet();
                    }
                    count.incrementAndGet();
                    received.add(label + ":" + str(d.getBody()));
                    long deliveryTag = d.getEnvelope().getDeliveryTag();
                    // Ack later from another thread, so a broker that ignored the
                    // prefetch limit would push a second message meanwhile.
                    acker.schedule(() -> {
                        inFlight.decrementAndGet();
                        try {
                            ch.basicAck(deliveryTag, false);
                        } catch (IOException e) {
                            violations.addAndGet(1000);
                        }
                    }, 15, TimeUnit.MILLISECONDS);
                }, tag -> { });
            }
            checkEq(2, pub.queueDeclarePassive(q).getConsumerCount(), "consumer count");

            for (int i = 0; i < total; i++) {
                pub.basicPublish("", q, null, utf8("job-" + i));
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < total; i++) {
                String r = poll(received, "job " + i);
                String job = r.substring(r.indexOf(':') + 1);
                check(seen.add(job), "job delivered twice: " + job);
            }
            expectNothing(received, 200, "delivery");
            checkEq(0, violations.get(), "deliveries beyond prefetch=1 (or failed acks)");
            check(perConsumer.get(0).get() > 0 && perConsumer.get(1).get() > 0,
                    "work was not shared: c0=" + perConsumer.get(0) + " c1=" + perConsumer.get(1));
            check(Math.abs(perConsumer.get(0).get() - perConsumer.get(1).get()) <= total / 3,
                    "work very unevenly shared: c0=" + perConsumer.get(0) + " c1=" + perConsumer.get(1));
        } finally {
            acker.shutdown();
            acker.awaitTermination(2, TimeUnit.SECONDS);
        }
        pub.queueDelete(q);
        conn.close();
    }

    /** Publisher confirms for 1000 messages. */
    static void publisherConfirms() throws Exception {
        Connection conn = connect("confirms");
        Channel ch = conn.createChannel();
        String q = queueName("confirms");
        ch.queueDeclare(q, false, true, false, null);
        AMQP.Confirm.SelectOk selectOk = ch.confirmSelect();
        check(selectOk != null, "no confirm.select-ok");
        checkEq(1L, ch.getNextPublishSeqNo(), "first publish sequence number");

        AtomicLong highestAck = new AtomicLong();
        AtomicInteger nacks = new AtomicInteger();
        ch.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long deliveryTag, boolean multiple) {
                highestAck.accumulateAndGet(deliveryTag, Math::max);
            }

            @Override
            public void handleNack(long deliveryTag, boolean multiple) {
                nacks.incrementAndGet();
            }
        });

        int n = 1000;
        AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
        for (int i = 0; i < n; i++) {
            ch.basicPublish("", q, persistent, utf8("confirm-" + i));
        }
        checkEq((long) n + 1, ch.getNextPublishSeqNo(), "next publish sequence number");
        ch.waitForConfirmsOrDie(15_000);
        checkEq((long) n, highestAck.get(), "highest confirmed delivery tag");
        checkEq(0, nacks.get(), "nacks");
        check(ch.waitForConfirms(1_000), "waitForConfirms after everything is confirmed");
        checkEq(n, readyCount(ch, q), "messages in queue");
        checkEq(n, ch.queuePurge(q).getMessageCount(), "purged messages");
        checkEq(0, readyCount(ch, q), "messages after purge");
        conn.close();
    }

    /** Mandatory publish that routes nowhere comes back as basic.return 312 NO_ROUTE. */
    static void mandatoryReturn() throws Exception {
        Connection conn = connect("mandatory");
        Channel ch = conn.createChannel();
        BlockingQueue<Object[]> returns = new LinkedBlockingQueue<>();
        ch.addReturnListener((replyCode, replyText, exchange, routingKey, properties, body) ->
                returns.add(new Object[] {replyCode, replyText, exchange, routingKey, properties, body}));
        ch.confirmSelect();

        String missing = name("no-such-queue");
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .messageId("lost-1").contentType("text/plain").build();
        ch.basicPublish("", missing, true, props, utf8("nobody home"));
        // RabbitMQ sends basic.return before the confirm, so it has been handled by now.
        ch.waitForConfirmsOrDie(RECEIVE_TIMEOUT_MS);
        Object[] r = returns.poll();
        check(r != null, "basic.return was not delivered before the publisher confirm");
        checkEq(312, r[0], "reply code");
        checkEq("NO_ROUTE", r[1], "reply text");
        checkEq("", r[2], "exchange");
        checkEq(missing, r[3], "routing key");
        checkEq("lost-1", ((AMQP.BasicProperties) r[4]).getMessageId(), "returned message id");
        checkEq("text/plain", ((AMQP.BasicProperties) r[4]).getContentType(), "returned content type");
        checkEq("nobody home", str((byte[]) r[5]), "returned body");

        // Through a direct exchange without bindings as well.
        String x = exchangeName("mandatory.direct");
        ch.exchangeDeclare(x, BuiltinExchangeType.DIRECT, false, true, null);
        ch.basicPublish(x, "nowhere", true, null, utf8("second"));
        Object[] r2 = poll(returns, "second basic.return");
        checkEq(312, r2[0], "reply code via direct exchange");
        checkEq("NO_ROUTE", r2[1], "reply text via direct exchange");
        checkEq(x, r2[2], "exchange via direct exchange");
        checkEq("nowhere", r2[3], "routing key via direct exchange");
        ch.waitForConfirmsOrDie(RECEIVE_TIMEOUT_MS);

        // A routable mandatory message and an unroutable non-mandatory one produce no return.
        String q = queueName("mandatory.ok");
        ch.queueDeclare(q, false, true, false, null);
        ch.basicPublish("", q, true, null, utf8("routable"));
        ch.basicPublish("", missing, false, null, utf8("dropped silently"));
        ch.waitForConfirmsOrDie(RECEIVE_TIMEOUT_MS);
        expectNothing(returns, 200, "basic.return");
        checkEq(1, readyCount(ch, q), "routable mandatory message enqueued");
        check(ch.isOpen(), "channel closed");
        conn.close();
    }

    /** basicGet reports the remaining message count; empty queue gives null. */
    static void basicGetMessageCount() throws Exception {
        Connection conn = connect("get");
        Channel ch = conn.createChannel();
        ch.confirmSelect();
        String q = queueName("get");
        ch.queueDeclare(q, false, true, false, null);
        check(ch.basicGet(q, false) == null, "basicGet on empty queue should return null");

        publishConfirmed(ch, "", q, utf8("g0"), utf8("g1"), utf8("g2"));
        for (int i = 0; i < 3; i++) {
            GetResponse r = ch.basicGet(q, false);
            check(r != null, "basicGet " + i + " returned null");
            checkEq("g" + i, str(r.getBody()), "body of get " + i);
            checkEq(2 - i, r.getMessageCount(), "message count reported by get " + i);
            checkEq((long) (i + 1), r.getEnvelope().getDeliveryTag(), "delivery tag of get " + i);
            checkEq(false, r.getEnvelope().isRedeliver(), "redeliver flag of get " + i);
            checkEq("", r.getEnvelope().getExchange(), "exchange of get " + i);
            checkEq(q, r.getEnvelope().getRoutingKey(), "routing key of get " + i);
            check(r.getProps() != null, "properties missing");
        }
        check(ch.basicGet(q, false) == null, "basicGet after draining should return null");
        ch.basicAck(3, true);

        // After a multiple ack, nothing comes back even when the channel is closed.
        ch.close();
        Channel ch2 = conn.createChannel();
        checkEq(0, readyCount(ch2, q), "ready messages after multiple ack and channel close");

        // Unacked messages go back to the queue when their channel closes.
        ch2.confirmSelect();
        publishConfirmed(ch2, "", q, utf8("h0"));
        Channel ch3 = conn.createChannel();
        GetResponse r = ch3.basicGet(q, false);
        check(r != null, "basicGet of h0 returned null");
        checkEq(0, r.getMessageCount(), "message count");
        ch3.close();
        GetResponse again = ch2.basicGet(q, true);
        check(again != null, "message was not requeued on channel close");
        checkEq("h0", str(again.getBody()), "requeued body");
        checkEq(true, again.getEnvelope().isRedeliver(), "redeliver flag after channel close");
        conn.close();
    }

    /** basicNack with requeue gives a redelivery flagged as such. */
    static void nackRequeueRedelivers() throws Exception {
        Connection conn = connect("nack");
        Channel ch = conn.createChannel();
        String q = queueName("nack");
        ch.queueDeclare(q, false, true, false, null);
        ch.basicPublish("", q, null, utf8("retry-me"));

        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        String tag = ch.basicConsume(q, false, (t, d) -> deliveries.add(d), t -> { });
        Delivery first = poll(deliveries, "first delivery");
        checkEq(false, first.getEnvelope().isRedeliver(), "redeliver flag of first delivery");
        ch.basicNack(first.getEnvelope().getDeliveryTag(), false, true);

        Delivery second = poll(deliveries, "redelivery after nack");
        checkEq("retry-me", str(second.getBody()), "redelivered body");
        checkEq(true, second.getEnvelope().isRedeliver(), "redeliver flag after nack requeue");
        check(second.getEnvelope().getDeliveryTag() > first.getEnvelope().getDeliveryTag(),
                "delivery tag did not increase");
        ch.basicReject(second.getEnvelope().getDeliveryTag(), true);

        Delivery third = poll(deliveries, "redelivery after reject");
        checkEq(true, third.getEnvelope().isRedeliver(), "redeliver flag after reject requeue");
        // nack without requeue drops the message.
        ch.basicNack(third.getEnvelope().getDeliveryTag(), false, false);
        expectNothing(deliveries, 200, "delivery after nack without requeue");
        ch.basicCancel(tag);
        checkEq(0, readyCount(ch, q), "messages after nack without requeue");
        conn.close();
    }

    /** Passive declare of a missing queue: channel.close 404, connection survives. */
    static void passiveDeclareMissingQueue() throws Exception {
        Connection conn = connect("passive");
        Channel ch = conn.createChannel();
        String missing = name("missing-queue");
        try {
            ch.queueDeclarePassive(missing);
            throw new Failure("passive declare of a missing queue succeeded");
        } catch (IOException e) {
            AMQP.Channel.Close close = channelCloseOf(e);
            checkEq(404, close.getReplyCode(), "reply code");
            checkEq("NOT_FOUND - no queue '" + missing + "' in vhost '" + VHOST + "'", close.getReplyText(),
                    "reply text");
            checkEq(50, close.getClassId(), "class id (queue)");
            checkEq(10, close.getMethodId(), "method id (declare)");
        }
        check(!ch.isOpen(), "channel still open after 404");
        check(ch.getCloseReason() != null && !ch.getCloseReason().isInitiatedByApplication(),
                "close reason should be server-initiated");
        check(conn.isOpen(), "connection closed by a channel error");

        // Same for a missing exchange.
        Channel ch2 = conn.createChannel();
        String missingX = name("missing-exchange");
        try {
            ch2.exchangeDeclarePassive(missingX);
            throw new Failure("passive declare of a missing exchange succeeded");
        } catch (IOException e) {
            AMQP.Channel.Close close = channelCloseOf(e);
            checkEq(404, close.getReplyCode(), "exchange reply code");
            checkEq("NOT_FOUND - no exchange '" + missingX + "' in vhost '" + VHOST + "'", close.getReplyText(),
                    "exchange reply text");
            checkEq(40, close.getClassId(), "class id (exchange)");
            checkEq(10, close.getMethodId(), "method id (declare)");
        }

        Channel ch3 = conn.createChannel();
        check(ch3.isOpen(), "new channel after channel error is not open");
        ch3.queueDeclare(name("after-404"), false, true, true, null);
        conn.close();
    }

    /** An exclusive queue is locked to its connection: 405 RESOURCE_LOCKED elsewhere. */
    static void exclusiveQueueLocked() throws Exception {
        Connection owner = connect("exclusive-owner");
        Connection other = connect("exclusive-other");
        Channel och = owner.createChannel();
        String q = queueName("exclusive");
        och.queueDeclare(q, false, true, false, null);

        String lockedText = "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '"
                + q + "' in vhost '" + VHOST + "'";
        String[] attempts = {"declare", "passive declare", "consume"};
        for (String attempt : attempts) {
            Channel ch = other.createChannel();
            try {
                switch (attempt) {
                    case "declare":
                        ch.queueDeclare(q, false, true, false, null);
                        break;
                    case "passive declare":
                        ch.queueDeclarePassive(q);
                        break;
                    default:
                        ch.basicConsume(q, true, (t, d) -> { }, t -> { });
                        break;
                }
                throw new Failure(attempt + " of another connection's exclusive queue succeeded");
            } catch (IOException e) {
                AMQP.Channel.Close close = channelCloseOf(e);
                checkEq(405, close.getReplyCode(), attempt + ": reply code");
                check(close.getReplyText().startsWith(lockedText), attempt + ": reply text: " + close.getReplyText());
                checkEq(attempt.equals("consume") ? 60 : 50, close.getClassId(), attempt + ": class id");
                checkEq(attempt.equals("consume") ? 20 : 10, close.getMethodId(), attempt + ": method id");
            }
            check(!ch.isOpen(), attempt + ": channel still open after 405");
        }
        check(other.isOpen(), "other connection closed by a channel error");

        // Even the owner gets 405 (not 406) when re-declaring it as non-exclusive.
        Channel mismatch = owner.createChannel();
        try {
            mismatch.queueDeclare(q, false, false, false, null);
            throw new Failure("owner re-declared its exclusive queue as non-exclusive");
        } catch (IOException e) {
            AMQP.Channel.Close close = channelCloseOf(e);
            checkEq(405, close.getReplyCode(), "owner non-exclusive re-declare: reply code");
            check(close.getReplyText().startsWith(lockedText),
                    "owner non-exclusive re-declare: reply text: " + close.getReplyText());
        }

        // The owner still uses it; when the owner goes away the queue goes too.
        och.basicPublish("", q, null, utf8("mine"));
        GetResponse r = null;
        for (int i = 0; i < 50 && r == null; i++) {
            r = och.basicGet(q, true);
            if (r == null) {
                Thread.sleep(20);
            }
        }
        check(r != null && "mine".equals(str(r.getBody())), "owner could not use its exclusive queue");
        owner.close();
        Channel ch = other.createChannel();
        try {
            ch.queueDeclarePassive(q);
            throw new Failure("exclusive queue survived its connection");
        } catch (IOException e) {
            checkEq(404, channelCloseOf(e).getReplyCode(), "passive declare after owner closed");
        }
        other.close();
    }

    /** Deleting a queue sends basic.cancel to its consumers (handleCancel). */
    static void consumerCancelNotification() throws Exception {
        Connection conn = connect("cancel");
        Channel ch = conn.createChannel();
        String q = queueName("cancel");
        ch.queueDeclare(q, false, false, false, null);
        CountDownLatch cancelled = new CountDownLatch(1);
        AtomicReference<String> cancelledTag = new AtomicReference<>();
        AtomicInteger cancelOks = new AtomicInteger();
        DefaultConsumer consumer = new DefaultConsumer(ch) {
            @Override
            public void handleCancel(String consumerTag) {
                cancelledTag.set(consumerTag);
                cancelled.countDown();
            }

            @Override
            public void handleCancelOk(String consumerTag) {
                cancelOks.incrementAndGet();
            }
        };
        String tag = ch.basicConsume(q, false, "polymq-it-consumer-" + RUN_ID, consumer);
        checkEq("polymq-it-consumer-" + RUN_ID, tag, "client-chosen consumer tag");

        Channel admin = conn.createChannel();
        AMQP.Queue.DeleteOk del = admin.queueDelete(q);
        checkEq(0, del.getMessageCount(), "messages in deleted queue");
        await(cancelled, "server-sent basic.cancel");
        checkEq(tag, cancelledTag.get(), "cancelled consumer tag");
        checkEq(0, cancelOks.get(), "handleCancelOk calls for a server-side cancel");
        check(ch.isOpen(), "consumer channel closed by the cancel");

        // The channel stays usable.
        String q2 = queueName("cancel.after");
        ch.queueDeclare(q2, false, true, true, null);
        ch.basicPublish("", q2, null, utf8("still alive"));
        GetResponse r = null;
        for (int i = 0; i < 50 && r == null; i++) {
            r = ch.basicGet(q2, true);
            if (r == null) {
                Thread.sleep(20);
            }
        }
        check(r != null, "channel unusable after consumer cancellation");
        conn.close();
    }

    /** A 2 MiB body spans many frames and comes back intact. */
    static void largeBody() throws Exception {
        Connection conn = connect("large");
        Channel ch = conn.createChannel();
        String q = queueName("large");
        ch.queueDeclare(q, false, true, false, null);
        byte[] body = new byte[2 * 1024 * 1024];
        new Random(12345).nextBytes(body);
        check(body.length > conn.getFrameMax(), "body does not exceed frame_max");
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("application/octet-stream").messageId("big").build();
        ch.basicPublish("", q, props, body);

        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        ch.basicConsume(q, false, (t, d) -> deliveries.add(d), t -> { });
        Delivery d = poll(deliveries, "2 MiB message");
        checkEq(body.length, d.getBody().length, "body length");
        check(Arrays.equals(body, d.getBody()), "body content differs");
        checkEq("application/octet-stream", d.getProperties().getContentType(), "content type");
        checkEq("big", d.getProperties().getMessageId(), "message id");
        ch.basicAck(d.getEnvelope().getDeliveryTag(), false);

        // An empty body right after works too.
        ch.basicPublish("", q, null, new byte[0]);
        Delivery empty = poll(deliveries, "empty message");
        checkEq(0, empty.getBody().length, "empty body length");
        ch.basicAck(empty.getEnvelope().getDeliveryTag(), false);
        conn.close();
    }

    // ------------------------------------------------------------------
    // runner
    // ------------------------------------------------------------------

    private static void cleanup() {
        for (Connection c : OPEN_CONNECTIONS) {
            try {
                if (c.isOpen()) {
                    c.abort(2_000);
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
        OPEN_CONNECTIONS.clear();
        if (QUEUES.isEmpty() && EXCHANGES.isEmpty()) {
            return;
        }
        try {
            Connection c = factory().newConnection("polymq-it-java-cleanup");
            try {
                for (String q : QUEUES) {
                    deleteQuietly(c, ch -> ch.queueDelete(q));
                }
                for (String x : EXCHANGES) {
                    deleteQuietly(c, ch -> ch.exchangeDelete(x));
                }
            } finally {
                c.abort(2_000);
            }
        } catch (Exception e) {
            System.out.println("  (cleanup failed: " + e + ")");
        }
        QUEUES.clear();
        EXCHANGES.clear();
    }

    @FunctionalInterface
    private interface ChannelAction {
        void apply(Channel ch) throws IOException;
    }

    private static void deleteQuietly(Connection c, ChannelAction action) {
        try {
            Channel ch = c.createChannel();
            try {
                action.apply(ch);
            } finally {
                if (ch.isOpen()) {
                    ch.abort();
                }
            }
        } catch (Exception ignored) {
            // already gone, or the channel was closed by the server
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, Scenario> scenarios = new LinkedHashMap<>();
        scenarios.put("connect_and_server_properties", ClientScenarios::connectAndServerProperties);
        scenarios.put("durable_queue_properties_round_trip", ClientScenarios::durableQueuePropertiesRoundTrip);
        scenarios.put("fanout_pub_sub", ClientScenarios::fanoutPubSub);
        scenarios.put("topic_routing", ClientScenarios::topicRouting);
        scenarios.put("competing_consumers_qos1", ClientScenarios::competingConsumers);
        scenarios.put("publisher_confirms_1000", ClientScenarios::publisherConfirms);
        scenarios.put("mandatory_return_312", ClientScenarios::mandatoryReturn);
        scenarios.put("basic_get_message_count", ClientScenarios::basicGetMessageCount);
        scenarios.put("nack_requeue_redelivers", ClientScenarios::nackRequeueRedelivers);
        scenarios.put("passive_declare_missing_404", ClientScenarios::passiveDeclareMissingQueue);
        scenarios.put("exclusive_queue_other_connection_405", ClientScenarios::exclusiveQueueLocked);
        scenarios.put("consumer_cancel_notification", ClientScenarios::consumerCancelNotification);
        scenarios.put("large_body_2mib", ClientScenarios::largeBody);

        Set<String> only = new HashSet<>();
        String onlyEnv = System.getenv("ONLY");
        if (onlyEnv != null && !onlyEnv.isBlank()) {
            for (String s : onlyEnv.split(",")) {
                only.add(s.trim());
            }
            for (String s : only) {
                if (!scenarios.containsKey(s)) {
                    System.out.println("unknown scenario in ONLY: " + s);
                    System.exit(2);
                }
            }
        }

        System.out.println("PolyMQ Java client scenarios against " + HOST + ":" + PORT
                + " (run id " + RUN_ID + ")");
        int passed = 0;
        int failed = 0;
        ExecutorService runner = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scenario");
            t.setDaemon(true);
            return t;
        });
        for (Map.Entry<String, Scenario> e : scenarios.entrySet()) {
            if (!only.isEmpty() && !only.contains(e.getKey())) {
                continue;
            }
            long start = System.nanoTime();
            String error = null;
            Future<?> f = runner.submit(() -> {
                e.getValue().run();
                return null;
            });
            try {
                f.get(SCENARIO_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException te) {
                f.cancel(true);
                error = "timed out after " + SCENARIO_TIMEOUT_SECONDS + " s";
            } catch (ExecutionException ee) {
                Throwable cause = ee.getCause();
                error = (cause instanceof Failure) ? cause.getMessage() : cause.toString();
                if (!(cause instanceof Failure)) {
                    StackTraceElement[] st = cause.getStackTrace();
                    for (StackTraceElement el : st) {
                        if (el.getClassName().startsWith("ClientScenarios")) {
                            error += " at " + el;
                            break;
                        }
                    }
                }
            }
            cleanup();
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (error == null) {
                passed++;
                System.out.println("PASS " + e.getKey() + " (" + ms + " ms)");
            } else {
                failed++;
                System.out.println("FAIL " + e.getKey() + " (" + ms + " ms): " + error);
            }
        }
        runner.shutdownNow();
        System.out.println(passed + " passed, " + failed + " failed");
        System.out.flush();
        System.exit(failed == 0 && passed > 0 ? 0 : 1);
    }
}
