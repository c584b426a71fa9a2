// The error types of channel operations (docs/api.md section 1).
#include <courier/error.hpp>
#include <courier/expected.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace {

struct no_equality {
    int v;
};

template <class T>
concept has_what = requires(const T& e) {
    { e.what() } -> std::same_as<const char*>;
};

static_assert(has_what<courier::recv_error>);
static_assert(has_what<courier::send_error<int>>);
static_assert(has_what<courier::try_send_error<int>>);
static_assert(has_what<courier::send_timeout_error<int>>);

// Copyable when T is, always movable.
static_assert(std::is_copy_constructible_v<courier::recv_error>);
static_assert(std::is_copy_constructible_v<courier::send_error<int>>);
static_assert(std::is_copy_constructible_v<courier::try_send_error<int>>);
static_assert(std::is_copy_constructible_v<courier::send_timeout_error<int>>);
static_assert(!std::is_copy_constructible_v<courier::send_error<std::unique_ptr<int>>>);
static_assert(std::is_move_constructible_v<courier::send_error<std::unique_ptr<int>>>);
static_assert(std::is_move_constructible_v<courier::try_send_error<std::unique_ptr<int>>>);
static_assert(std::is_move_constructible_v<courier::send_timeout_error<std::unique_ptr<int>>>);
static_assert(std::is_move_constructible_v<courier::send_error<no_equality>>);

// Every error type has operator== (the templates where T has one).
static_assert(std::equality_comparable<courier::recv_error>);
static_assert(std::equality_comparable<courier::try_recv_error>);
static_assert(std::equality_comparable<courier::recv_timeout_error>);
static_assert(std::equality_comparable<courier::send_status>);
static_assert(std::equality_comparable<courier::send_error<int>>);
static_assert(std::equality_comparable<courier::try_send_error<int>>);
static_assert(std::equality_comparable<courier::send_timeout_error<int>>);
static_assert(std::equality_comparable<courier::send_error<std::unique_ptr<int>>>);

// The three result kinds are enumerations.
static_assert(std::is_enum_v<courier::try_recv_error>);
static_assert(std::is_enum_v<courier::recv_timeout_error>);
static_assert(std::is_enum_v<courier::send_status>);

std::string text(const char* s) {
    return s == nullptr ? std::string() : std::string(s);
}

TEST(recv_error, describes_itself_and_compares) {
    courier::recv_error e{};
    EXPECT_FALSE(text(e.what()).empty());
    EXPECT_TRUE(e == courier::recv_error{});
    EXPECT_FALSE(e != courier::recv_error{});
    courier::recv_error copy = e;
    EXPECT_TRUE(copy == e);
}

TEST(enums, to_string_differs_by_kind) {
    const std::string empty{courier::to_string(courier::try_recv_error::empty)};
    const std::string disconnected{courier::to_string(courier::try_recv_error::disconnected)};
    EXPECT_FALSE(empty.empty());
    EXPECT_FALSE(disconnected.empty());
    EXPECT_NE(empty, disconnected);

    const std::string timeout{courier::to_string(courier::recv_timeout_error::timeout)};
    const std::string rt_disc{courier::to_string(courier::recv_timeout_error::disconnected)};
    EXPECT_FALSE(timeout.empty());
    EXPECT_FALSE(rt_disc.empty());
    EXPECT_NE(timeout, rt_disc);
    const std::string rt_stop{courier::to_string(courier::recv_timeout_error::stopped)};
    EXPECT_EQ(rt_stop, "receive operation stopped by a stop request");
    EXPECT_NE(rt_stop, timeout);
    EXPECT_NE(rt_stop, rt_disc);

    std::set<std::string> statuses{
        std::string{courier::to_string(courier::send_status::full)},
        std::string{courier::to_string(courier::send_status::timeout)},
        std::string{courier::to_string(courier::send_status::disconnected)},
        std::string{courier::to_string(courier::send_status::stopped)}};
    EXPECT_EQ(statuses.size(), 4u);
    for (const auto& s : statuses) {
        EXPECT_FALSE(s.empty());
    }
}

TEST(enums, found_by_argument_dependent_lookup) {
    const std::string a{to_string(courier::try_recv_error::empty)};
    const std::string b{to_string(courier::recv_timeout_error::timeout)};
    const std::string c{to_string(courier::send_status::full)};
    EXPECT_FALSE(a.empty());
    EXPECT_FALSE(b.empty());
    EXPECT_FALSE(c.empty());
}

TEST(send_error, hands_the_value_back) {
    courier::send_error<int> e{42};
    EXPECT_EQ(e.value, 42);
    EXPECT_FALSE(text(e.what()).empty());
    EXPECT_TRUE(e == courier::send_error<int>{42});
    EXPECT_FALSE(e == courier::send_error<int>{43});

    auto p = std::make_unique<int>(7);
    int* raw = p.get();
    courier::send_error<std::unique_ptr<int>> u{std::move(p)};
    auto moved = std::move(u);
    EXPECT_EQ(moved.value.get(), raw);
    std::unique_ptr<int> back = std::move(moved.value);
    EXPECT_EQ(back.get(), raw);

    courier::send_error<no_equality> n{no_equality{3}};
    EXPECT_EQ(n.value.v, 3);
    EXPECT_FALSE(text(n.what()).empty());
}

TEST(try_send_error, kinds_and_sentences) {
    courier::try_send_error<int> full{courier::send_status::full, 1};
    courier::try_send_error<int> disc{courier::send_status::disconnected, 2};
    EXPECT_TRUE(full.is_full());
    EXPECT_FALSE(full.is_disconnected());
    EXPECT_FALSE(disc.is_full());
    EXPECT_TRUE(disc.is_disconnected());
    EXPECT_EQ(full.kind, courier::send_status::full);
    EXPECT_EQ(full.value, 1);
    EXPECT_EQ(disc.value, 2);
    EXPECT_FALSE(text(full.what()).empty());
    EXPECT_FALSE(text(disc.what()).empty());
    EXPECT_NE(text(full.what()), text(disc.what())) << "what() must differ by kind";

    EXPECT_TRUE(full == (courier::try_send_error<int>{courier::send_status::full, 1}));
    EXPECT_FALSE(full == (courier::try_send_error<int>{courier::send_status::full, 2}));
    EXPECT_FALSE(full == (courier::try_send_error<int>{courier::send_status::disconnected, 1}));

    auto p = std::make_unique<int>(5);
    int* raw = p.get();
    courier::try_send_error<std::unique_ptr<int>> u{courier::send_status::full, std::move(p)};
    auto moved = std::move(u);
    EXPECT_TRUE(moved.is_full());
    EXPECT_EQ(moved.value.get(), raw);
}

TEST(send_timeout_error, kinds_and_sentences) {
    courier::send_timeout_error<int> timeout{courier::send_status::timeout, 1};
    courier::send_timeout_error<int> disc{courier::send_status::disconnected, 2};
    EXPECT_TRUE(timeout.is_timeout());
    EXPECT_FALSE(timeout.is_disconnected());
    EXPECT_FALSE(disc.is_timeout());
    EXPECT_TRUE(disc.is_disconnected());
    EXPECT_EQ(timeout.value, 1);
    EXPECT_EQ(disc.value, 2);
    EXPECT_FALSE(text(timeout.what()).empty());
    EXPECT_FALSE(text(disc.what()).empty());
    EXPECT_NE(text(timeout.what()), text(disc.what())) << "what() must differ by kind";
    courier::send_timeout_error<int> stopped{courier::send_status::stopped, 3};
    EXPECT_TRUE(stopped.is_stopped());
    EXPECT_FALSE(stopped.is_timeout());
    EXPECT_FALSE(stopped.is_disconnected());
    EXPECT_FALSE(timeout.is_stopped());
    EXPECT_EQ(text(stopped.what()), "send operation stopped by a stop request");

    EXPECT_TRUE(timeout == (courier::send_timeout_error<int>{courier::send_status::timeout, 1}));
    EXPECT_FALSE(timeout == (courier::send_timeout_error<int>{courier::send_status::timeout, 3}));
    EXPECT_FALSE(disc == timeout);

    courier::send_timeout_error<std::unique_ptr<int>> u{courier::send_status::timeout,
                                                        std::make_unique<int>(8)};
    auto moved = std::move(u);
    EXPECT_TRUE(moved.is_timeout());
    ASSERT_NE(moved.value, nullptr);
    EXPECT_EQ(*moved.value, 8);
}

TEST(errors, sentences_differ_between_types) {
    // A failed send, a full channel and a timeout read differently.
    const std::string send{text(courier::send_error<int>{0}.what())};
    const std::string full{
        text(courier::try_send_error<int>{courier::send_status::full, 0}.what())};
    const std::string timeout{
        text(courier::send_timeout_error<int>{courier::send_status::timeout, 0}.what())};
    EXPECT_NE(send, full);
    EXPECT_NE(send, timeout);
    EXPECT_NE(full, timeout);
}

TEST(errors, inside_expected) {
    courier::expected<void, courier::send_error<std::unique_ptr<int>>> r =
        courier::unexpected(courier::send_error<std::unique_ptr<int>>{std::make_unique<int>(4)});
    ASSERT_FALSE(r.has_value());
    std::unique_ptr<int> back = std::move(r).error().value;
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(*back, 4);

    courier::expected<int, courier::recv_error> e = courier::unexpected(courier::recv_error{});
    EXPECT_TRUE(e == courier::unexpected(courier::recv_error{}));
    EXPECT_THROW((void)e.value(), courier::bad_expected_access<courier::recv_error>);

    courier::expected<int, courier::try_recv_error> t =
        courier::unexpected(courier::try_recv_error::empty);
    EXPECT_EQ(t.error(), courier::try_recv_error::empty);
    EXPECT_TRUE(t == courier::unexpected(courier::try_recv_error::empty));
    EXPECT_FALSE(t == courier::unexpected(courier::try_recv_error::disconnected));

    courier::expected<void, courier::try_send_error<int>> ts =
        courier::unexpected(courier::try_send_error<int>{courier::send_status::full, 1});
    try {
        ts.value();
        ADD_FAILURE() << "value() did not throw";
    } catch (const courier::bad_expected_access<courier::try_send_error<int>>& ex) {
        EXPECT_TRUE(ex.error().is_full());
        EXPECT_EQ(ex.error().value, 1);
    }
}

}  // namespace
