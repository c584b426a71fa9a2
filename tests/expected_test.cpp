// courier::expected, courier::unexpected and courier::bad_expected_access (docs/api.md section 1).
#include <courier/expected.hpp>

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace {

struct point {
    int x;
    int y;
};

struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
};

// unexpected(e) deduces its argument (class template argument deduction).
static_assert(std::is_same_v<decltype(courier::unexpected(5)), courier::unexpected<int>>);
static_assert(std::is_same_v<decltype(courier::unexpected(std::string("x"))),
                             courier::unexpected<std::string>>);
static_assert(std::is_same_v<decltype(courier::unexpected(std::declval<const std::string&>())),
                             courier::unexpected<std::string>>);
static_assert(std::is_same_v<decltype(courier::unexpected(std::make_unique<int>(1))),
                             courier::unexpected<std::unique_ptr<int>>>);

static_assert(!std::is_convertible_v<courier::expected<int, int>, bool>,
              "operator bool is explicit");
static_assert(std::is_constructible_v<bool, courier::expected<int, int>>);
static_assert(!std::is_convertible_v<courier::expected<void, int>, bool>);

// Usable in constant expressions, like std::expected.
static_assert(courier::expected<int, int>(3).value() == 3);
static_assert(!courier::expected<int, int>(courier::unexpected(4)).has_value());
static_assert(courier::expected<int, int>(courier::unexpected(4)).error() == 4);
static_assert(courier::expected<int, int>(courier::unexpected(4)).value_or(9) == 9);

TEST(expected, holds_a_value) {
    courier::expected<int, std::string> e = 5;
    EXPECT_TRUE(e.has_value());
    EXPECT_TRUE(static_cast<bool>(e));
    EXPECT_EQ(*e, 5);
    EXPECT_EQ(e.value(), 5);
    EXPECT_EQ(e.value_or(7), 5);
    *e = 6;
    EXPECT_EQ(e.value(), 6);
    const auto& ce = e;
    EXPECT_EQ(*ce, 6);
    EXPECT_EQ(ce.value(), 6);
}

TEST(expected, holds_an_error) {
    courier::expected<int, std::string> e = courier::unexpected(std::string("boom"));
    EXPECT_FALSE(e.has_value());
    EXPECT_FALSE(static_cast<bool>(e));
    EXPECT_EQ(e.error(), "boom");
    EXPECT_EQ(e.value_or(7), 7);
    const auto& ce = e;
    EXPECT_EQ(ce.error(), "boom");
    EXPECT_EQ(std::move(e).error(), "boom");
}

TEST(expected, value_throws_bad_expected_access_with_the_error) {
    courier::expected<int, std::string> e = courier::unexpected(std::string("boom"));
    try {
        (void)e.value();
        ADD_FAILURE() << "value() did not throw";
    } catch (const courier::bad_expected_access<std::string>& ex) {
        EXPECT_EQ(ex.error(), "boom");
        EXPECT_NE(ex.what(), nullptr);
    }
    const auto& ce = e;
    EXPECT_THROW((void)ce.value(), courier::bad_expected_access<std::string>);
    EXPECT_THROW((void)std::move(e).value(), courier::bad_expected_access<std::string>);
    // An rvalue's value() moves the error into the exception, so a move-only error works.
    auto payload = std::make_unique<int>(4);
    int* raw = payload.get();
    courier::expected<int, std::unique_ptr<int>> m = courier::unexpected(std::move(payload));
    try {
        (void)std::move(m).value();
        ADD_FAILURE() << "value() did not throw";
    } catch (courier::bad_expected_access<std::unique_ptr<int>>& ex) {
        EXPECT_EQ(ex.error().get(), raw);
    }
    // It is an exception like any other.
    courier::expected<int, int> f = courier::unexpected(3);
    EXPECT_THROW((void)f.value(), std::exception);
}

TEST(expected, arrow_reaches_members) {
    courier::expected<point, int> e = point{1, 2};
    EXPECT_EQ(e->x, 1);
    EXPECT_EQ(e->y, 2);
    e->x = 10;
    EXPECT_EQ((*e).x, 10);
    const auto& ce = e;
    EXPECT_EQ(ce->y, 2);
}

TEST(expected, compares_with_values_and_unexpected) {
    courier::expected<int, std::string> v = 5;
    courier::expected<int, std::string> err = courier::unexpected(std::string("x"));
    EXPECT_TRUE(v == 5);
    EXPECT_FALSE(v == 6);
    EXPECT_TRUE(v != 6);
    EXPECT_TRUE(v == 5L) << "comparison with a value of another type";
    EXPECT_FALSE(err == 5);
    EXPECT_TRUE(err == courier::unexpected(std::string("x")));
    EXPECT_FALSE(err == courier::unexpected(std::string("y")));
    EXPECT_FALSE(v == courier::unexpected(std::string("x")));
    EXPECT_TRUE(err != courier::unexpected(std::string("y")));

    courier::expected<int, std::string> v2 = 5;
    EXPECT_TRUE(v == v2);
    EXPECT_FALSE(v == err);
}

TEST(expected, move_only_value_and_error) {
    // value() on a move-only value (the error type is copyable, as in every receive result).
    courier::expected<std::unique_ptr<int>, int> v = std::make_unique<int>(1);
    ASSERT_TRUE(v.has_value());
    std::unique_ptr<int> taken = std::move(v).value();
    ASSERT_NE(taken, nullptr);
    EXPECT_EQ(*taken, 1);

    courier::expected<std::unique_ptr<int>, std::unique_ptr<int>> e =
        courier::unexpected(std::make_unique<int>(2));
    ASSERT_FALSE(e.has_value());
    std::unique_ptr<int> err = std::move(e).error();
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(*err, 2);

    courier::expected<std::unique_ptr<int>, int> thrower = courier::unexpected(5);
    EXPECT_THROW((void)std::move(thrower).value(), courier::bad_expected_access<int>);

    courier::expected<std::unique_ptr<int>, int> w = courier::unexpected(3);
    std::unique_ptr<int> fallback = std::move(w).value_or(std::make_unique<int>(4));
    ASSERT_NE(fallback, nullptr);
    EXPECT_EQ(*fallback, 4);

    auto moved = std::move(v);
    EXPECT_TRUE(moved.has_value());
}

TEST(expected, copy_and_assignment_switch_state) {
    courier::expected<std::string, int> a = std::string("hello");
    courier::expected<std::string, int> b = a;
    EXPECT_EQ(*b, "hello");
    b = courier::unexpected(7);
    EXPECT_FALSE(b.has_value());
    EXPECT_EQ(b.error(), 7);
    b = std::string("again");
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(*b, "again");
    a = b;
    EXPECT_EQ(*a, "again");
    courier::expected<std::string, int> c = courier::unexpected(1);
    a = c;
    EXPECT_FALSE(a.has_value());
    EXPECT_EQ(a.error(), 1);
}

TEST(expected, value_without_default_constructor) {
    static_assert(!std::is_default_constructible_v<no_default>);
    courier::expected<no_default, int> e = no_default(4);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->value, 4);
    courier::expected<no_default, int> f = courier::unexpected(1);
    EXPECT_FALSE(f.has_value());
}

TEST(expected_void, success_and_failure) {
    courier::expected<void, int> ok;
    EXPECT_TRUE(ok.has_value());
    EXPECT_TRUE(static_cast<bool>(ok));
    EXPECT_NO_THROW(ok.value());
    *ok;

    courier::expected<void, int> bad = courier::unexpected(3);
    EXPECT_FALSE(bad.has_value());
    EXPECT_FALSE(static_cast<bool>(bad));
    EXPECT_EQ(bad.error(), 3);
    try {
        bad.value();
        ADD_FAILURE() << "value() did not throw";
    } catch (const courier::bad_expected_access<int>& ex) {
        EXPECT_EQ(ex.error(), 3);
    }
    EXPECT_THROW(std::move(bad).value(), courier::bad_expected_access<int>);
}

TEST(expected_void, compares) {
    courier::expected<void, int> ok;
    courier::expected<void, int> ok2;
    courier::expected<void, int> bad = courier::unexpected(3);
    EXPECT_TRUE(ok == ok2);
    EXPECT_FALSE(ok == bad);
    EXPECT_TRUE(bad == courier::unexpected(3));
    EXPECT_FALSE(bad == courier::unexpected(4));
    EXPECT_FALSE(ok == courier::unexpected(3));
    EXPECT_TRUE(bad != courier::unexpected(4));
}

TEST(expected_void, move_only_error_and_assignment) {
    courier::expected<void, std::unique_ptr<int>> e = courier::unexpected(std::make_unique<int>(9));
    ASSERT_FALSE(e.has_value());
    auto moved = std::move(e);
    ASSERT_FALSE(moved.has_value());
    ASSERT_NE(moved.error(), nullptr);
    EXPECT_EQ(*moved.error(), 9);
    std::unique_ptr<int> err = std::move(moved).error();
    EXPECT_EQ(*err, 9);

    // The rvalue value() of a failed send result moves the error into the exception.
    auto payload = std::make_unique<int>(10);
    int* raw = payload.get();
    courier::expected<void, std::unique_ptr<int>> failed = courier::unexpected(std::move(payload));
    try {
        std::move(failed).value();
        ADD_FAILURE() << "value() did not throw";
    } catch (courier::bad_expected_access<std::unique_ptr<int>>& ex) {
        EXPECT_EQ(ex.error().get(), raw);
    }

    courier::expected<void, int> a;
    a = courier::unexpected(2);
    EXPECT_FALSE(a.has_value());
    a = courier::expected<void, int>();
    EXPECT_TRUE(a.has_value());
}

TEST(unexpected, holds_and_compares_errors) {
    auto u = courier::unexpected(std::string("e"));
    EXPECT_EQ(u.error(), "e");
    EXPECT_TRUE(u == courier::unexpected(std::string("e")));
    EXPECT_FALSE(u == courier::unexpected(std::string("f")));
    std::string taken = std::move(u).error();
    EXPECT_EQ(taken, "e");
    const courier::unexpected<int> c(5);
    EXPECT_EQ(c.error(), 5);
}

}  // namespace
