// io::TagMap: a feature's tags, with std::map's behaviour for what lc15 asks of them.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "io/feature.hpp"

using lc15::io::TagMap;

TEST(TagMap, BehavesLikeAStdMapForFindAtEmplaceAndIteration) {
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        std::map<std::string, std::string> ref;
        TagMap tags;
        const int n = static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            const std::string key = "k" + std::to_string(rng() % 9);
            const std::string value = "v" + std::to_string(rng() % 100);
            const bool a = ref.emplace(key, value).second;
            const auto [it, b] = tags.emplace(key, value);
            ASSERT_EQ(a, b) << key;  // a second value for a key is not taken
            EXPECT_EQ(it->first, key);
            EXPECT_EQ(it->second, ref.at(key));
        }
        ASSERT_EQ(tags.size(), ref.size());
        auto r = ref.begin();
        for (const auto& [k, v] : tags) {  // key order, like the map
            EXPECT_EQ(k, r->first);
            EXPECT_EQ(v, r->second);
            ++r;
        }
        for (int q = 0; q < 9; ++q) {
            const std::string key = "k" + std::to_string(q);
            EXPECT_EQ(tags.count(key), ref.count(key));
            if (ref.count(key)) {
                EXPECT_EQ(tags.at(key), ref.at(key));
            } else {
                EXPECT_EQ(tags.find(key), tags.end());
                EXPECT_THROW(tags.at(key), std::out_of_range);
            }
        }
        EXPECT_EQ(TagMap(ref), tags);
    }
}

TEST(TagMap, SubscriptInsertsAnEmptyValueOnceAndAssignsThroughIt) {
    TagMap t{{"name", "营口"}, {"amenity", "school"}};
    EXPECT_EQ(t.begin()->first, "amenity");  // sorted whatever the order given
    t["capacity"] = "270";
    t["capacity"] += "0";
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.at("capacity"), "2700");
    EXPECT_EQ(t["missing"], "");
    EXPECT_EQ(t.size(), 4u);
    EXPECT_EQ(t.at("name"), "营口");
}
